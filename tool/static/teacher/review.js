// A link to a task folded in a <details> (e.g. from the checks summary) opens it first.
(function () {
  "use strict";
  function reveal() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    if (target) { target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
