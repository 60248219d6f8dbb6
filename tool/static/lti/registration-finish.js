// LTI Dynamic Registration: tell the platform we are done so it can close its dialog. Moodle closes
// the panel at once, so the administrator reads the next steps first and presses Finish.
(function () {
  var button = document.getElementById("finish");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var message = {subject: "org.imsglobal.lti.close"};
    if (window.opener) { window.opener.postMessage(message, "*"); }
    if (window.parent !== window) { window.parent.postMessage(message, "*"); }
    button.disabled = true;
    button.textContent = "Done: you can close this window";
  });
})();
