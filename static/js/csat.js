// Small behaviours that would otherwise need inline script or style (the CSP forbids both).
(function () {
  // Progress bars: <div data-progress="42"> gets width 42% (set through the CSSOM, which CSP allows).
  function bars(root) {
    (root || document).querySelectorAll("[data-progress]").forEach(function (el) {
      var value = Math.max(0, Math.min(100, parseInt(el.getAttribute("data-progress"), 10) || 0));
      el.style.width = value + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bars(document); });
  document.addEventListener("htmx:afterSettle", function () { bars(document); });
  // Print buttons.
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-action='print']");
    if (target) { window.print(); }
  });
})();
