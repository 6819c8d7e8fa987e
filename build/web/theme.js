// Applies the theme the user chose (app/ui/theme.go keeps it in
// localStorage) before the page first paints, so that a dark choice never
// flashes light. Without a choice the style sheet follows the system.
(function () {
  try {
    var t = window.localStorage.getItem("chat.theme");
    if (t === "light" || t === "dark") {
      document.documentElement.setAttribute("data-theme", t);
    }
  } catch (e) {
    // Storage may be unavailable (privacy modes): follow the system.
  }
})();
