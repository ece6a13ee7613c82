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
  // Print buttons, and "back" links (which go home when there is no history).
  document.addEventListener("click", function (event) {
    var print = event.target.closest && event.target.closest("[data-action='print']");
    if (print) { window.print(); }
    var back = event.target.closest && event.target.closest("[data-action='back']");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });
  // A link to a form folded in a <details> (#action-resolve) opens it; a link to a step's form
  // (the phone's action bar) moves the focus there too, so keyboard and screen-reader users land
  // on the form they asked for (the form itself: a field would pop up the phone's keyboard).
  function unfold() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var folded = target && target.closest && target.closest("details");
    if (folded) { folded.open = true; target.scrollIntoView(); }
    if (target && target.tagName === "FORM") {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus({ preventScroll: !!folded });
    }
  }
  document.addEventListener("DOMContentLoaded", unfold);
  window.addEventListener("hashchange", unfold);
})();
