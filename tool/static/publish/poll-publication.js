// Reloads the progress page when the background job creating the assignments has finished,
// or when the background check of a sent publication against the course has answered.
(function () {
  var url = document.currentScript.getAttribute("data-status-url");
  (function poll() {
    fetch(url).then(function (r) { return r.json(); }).then(function (s) {
      if (s.sync === "queued" || s.sync === "running" || s.checking) { setTimeout(poll, 1500); } else { location.reload(); }
    }).catch(function () { setTimeout(poll, 5000); });
  })();
})();
