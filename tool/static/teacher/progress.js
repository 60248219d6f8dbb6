// Live progress for a generation job: poll our JSON status endpoint and reload when done.
// No framework; the status URL (with the launch token) comes from the page.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var statusEl = box.querySelector("[data-status]");
  var reasonEl = box.querySelector("[data-reason]");
  var delay = 1000;

  function show(data) {
    statusEl.textContent = data.label;
    reasonEl.textContent = data.reason || "";
    var items = box.querySelectorAll("li[data-stage]");
    for (var i = 0; i < items.length; i++) {
      items[i].className = items[i].getAttribute("data-stage") === data.status ? "current" : "";
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.active) {
          // Reload without the "has started" notice: the page now shows the result.
          var next = new URL(window.location.href);
          if (next.searchParams.has("done")) {
            next.searchParams.delete("done");
            window.location.replace(next.toString());
          } else {
            window.location.reload();
          }
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Back off on errors (server restarting, network blip) but keep trying.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
