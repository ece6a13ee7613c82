// Keyboard shortcuts (issue #22): single keys instead of accesskey, whose modifier differs by browser
// and system (Alt on Chromium/Windows, Alt+Shift on Firefox, Ctrl+Option on macOS).
// An element opts in with data-shortcut="n" (and aria-keyshortcuts="n"): the key clicks it when the
// focus is not in a text field (a radio or a button is fine) and the element is shown. "/" focuses
// the header search; "?" opens the overview (<dialog id="shortcut-help"> in base.html) listing the page's shortcuts by their
// labels (data-shortcut-label, or the element's text). Ctrl/⌘+Enter in a form clicks the form's own
// shortcut button (the survey's 提交调查). Loaded from our static files (the CSP allows no inline script).
(function () {
  "use strict";
  // Where a key types text (or picks an option by its letters); radios, checkboxes and buttons are not.
  var FIELDS = "textarea, select, [contenteditable=''], [contenteditable='true'], input:not([type='radio'])" +
    ":not([type='checkbox']):not([type='submit']):not([type='button']):not([type='reset']):not([type='file'])" +
    ":not([type='range']):not([type='color']):not([type='image'])";

  function shown(el) {
    return !!(el && !el.disabled && el.getClientRects().length);
  }
  function inField(target) {
    return !!(target && target.closest && target.closest(FIELDS));
  }
  function byKey(key) {
    var found = null;
    document.querySelectorAll("[data-shortcut]").forEach(function (el) {
      if (!found && el.getAttribute("data-shortcut") === key && shown(el)) { found = el; }
    });
    return found;
  }
  function label(el) {
    if (el.hasAttribute("data-shortcut-label")) { return el.getAttribute("data-shortcut-label"); }
    var copy = el.cloneNode(true);
    copy.querySelectorAll("kbd, [aria-hidden='true']").forEach(function (k) { k.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function focusSearch() {
    // The header's box; on a small screen it sits in the collapsed navigation, which opens first.
    var header = document.querySelector("[data-testid='header-search'] input");
    var focus = function (box) { box.focus(); box.select(); };
    if (shown(header)) { focus(header); return true; }
    var collapse = header && header.closest(".collapse");
    if (collapse && window.bootstrap) {
      collapse.addEventListener("shown.bs.collapse", function () { focus(header); }, { once: true });
      window.bootstrap.Collapse.getOrCreateInstance(collapse, { toggle: false }).show();
      return true;
    }
    var other = Array.prototype.filter.call(document.querySelectorAll("input[type='search']"), shown)[0];
    if (other) { focus(other); return true; }
    return false;
  }
  function row(key, text) {
    var tr = document.createElement("tr"), k = document.createElement("td"), t = document.createElement("td");
    var kbd = document.createElement("kbd");
    kbd.textContent = key;
    k.appendChild(kbd);
    t.textContent = text;
    tr.setAttribute("data-shortcut-row", key);
    tr.appendChild(k);
    tr.appendChild(t);
    return tr;
  }
  function openHelp() {
    var dialog = document.getElementById("shortcut-help");
    if (!dialog || dialog.open) { return; }
    var rows = dialog.querySelector("[data-shortcut-page-rows]");
    if (rows) {
      rows.replaceChildren();
      var seen = {};
      document.querySelectorAll("[data-shortcut]").forEach(function (el) {
        var key = el.getAttribute("data-shortcut");
        if (!seen[key] && shown(el)) { seen[key] = true; rows.appendChild(row(key, label(el))); }
      });
    }
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.keyCode === 229) { return; }  // IME input
    var dialog = document.getElementById("shortcut-help");
    if (dialog && dialog.open) { return; }  // Esc closes it natively
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = target && target.closest && target.closest("form");
      var submit = form && form.querySelector("[data-shortcut][type='submit']");
      if (submit && shown(submit)) { event.preventDefault(); submit.click(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || inField(target)) { return; }
    if (event.key === "?") { event.preventDefault(); openHelp(); return; }
    if (event.key === "/") {
      if (focusSearch()) { event.preventDefault(); }
      return;
    }
    var el = byKey(event.key);
    if (el) { event.preventDefault(); el.click(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcut-help]")) { openHelp(); }
  });
})();
