// LTI platform storage (1EdTech "LTI Client Side postMessages"): keep the login's secret with the
// platform when the browser may drop our cookie inside its frame, and read it back at launch.
// Config comes from a JSON block (no inline script, so the CSP can forbid them).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("ss-storage-config").textContent);
  var WAIT_MS = 2500;
  var done = false;

  function storageFrame() {
    if (window.parent === window) { return null; }
    if (config.target === "_parent") { return window.parent; }
    try { return window.parent.frames[config.target] || null; } catch (e) { return null; }
  }

  function finish(value) {
    if (done) { return; }
    done = true;
    if (config.action === "put") {
      window.location.replace(config.next);
      return;
    }
    var form = document.getElementById("ss-storage-form");
    if (typeof value === "string") {
      form.querySelector("input[name=platform_storage_value]").value = value;
    }
    form.submit();
  }

  var frame = storageFrame();
  if (!frame) { finish(null); return; }
  var messageId = (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID()
    : String(Math.random()).slice(2) + String(Date.now());
  window.addEventListener("message", function (event) {
    // Only the platform's own origin answers for its storage.
    if (event.origin !== config.origin || !event.data || event.data.message_id !== messageId) { return; }
    if (event.data.subject === "lti.put_data.response") { finish(null); }
    if (event.data.subject === "lti.get_data.response") {
      finish(event.data.error ? null : event.data.value);
    }
  });
  var message = { subject: config.action === "put" ? "lti.put_data" : "lti.get_data",
                  message_id: messageId, key: config.key };
  if (config.action === "put") { message.value = config.value; }
  frame.postMessage(message, config.origin);
  window.setTimeout(function () { finish(null); }, WAIT_MS);
})();
