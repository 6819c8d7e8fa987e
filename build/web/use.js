// Notes when the person last used the page while it had the focus (a key,
// a click, a scroll, a touch) in window.chatUsedAt (Unix ms). The chat
// (app/ui/push_shell.go) reads it every few seconds and tells the server
// the person is here, so that it pushes nothing to them meanwhile
// (docs/push.md). Plain JavaScript: the WebAssembly program is not called
// on every key.
(function () {
  var note = function () {
    if (document.visibilityState !== "hidden" && document.hasFocus()) {
      window.chatUsedAt = Date.now();
    }
  };
  ["keydown", "pointerdown", "input", "wheel", "scroll", "touchstart"].forEach(function (t) {
    document.addEventListener(t, note, { capture: true, passive: true });
  });
})();
