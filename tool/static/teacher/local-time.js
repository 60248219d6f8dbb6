// Show <time data-local> in the reader's own time zone (the page prints UTC as the fallback).
// Used only when the platform did not send the teacher's zone with the launch.
(function () {
  "use strict";
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, {
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (e) { return; }
  var items = document.querySelectorAll("time[data-local]");
  for (var i = 0; i < items.length; i++) {
    var moment = new Date(items[i].getAttribute("datetime"));
    if (!isNaN(moment.getTime())) {
      items[i].title = items[i].textContent;  // the UTC text stays available on hover
      items[i].textContent = format.format(moment);
    }
  }
})();
