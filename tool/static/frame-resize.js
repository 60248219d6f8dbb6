// LTI frame resize: tell the course page (Moodle, Canvas) how tall this page is, so the
// iframe it sits in grows to fit instead of scrolling inside a fixed height.
(function () {
  if (window.parent === window) { return; }
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) { return; }
    last = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  window.addEventListener("load", send);
  if (window.ResizeObserver) { new ResizeObserver(send).observe(document.body); }
  document.addEventListener("toggle", send, true);  // <details> opening or closing
  send();
})();
