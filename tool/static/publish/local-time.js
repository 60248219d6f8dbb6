// Shows every <time data-local> in the reader's own time zone (the server renders UTC as a fallback).
(function () {
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  } catch (e) { return; }
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when.getTime())) { el.textContent = fmt.format(when); }
  });
})();
