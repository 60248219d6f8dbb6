// Copy buttons for the words a teacher says (print page): copies the text, says so in words.
(function () {
  var status = document.getElementById("copy-status");
  function say(text) { if (status) { status.textContent = text; } }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy[data-copy]") : null;
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.textContent;
    var done = function () { button.textContent = "Copied"; say("Copied to the clipboard."); setTimeout(function () { button.textContent = "Copy"; }, 2000); };
    var failed = function () { say("Copying is blocked here: select the text and copy it with the keyboard instead."); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  });
  var printButton = document.getElementById("print-guide");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
})();
