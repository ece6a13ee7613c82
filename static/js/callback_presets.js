// Quick booked call-back times (issue #22): the server computed each preset's time into the page;
// a click fills the time field and ticks "约定回拨" without reloading. Without this script the
// button submits and the server fills the same form in.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-preset-at]");
    if (!button || !button.form) { return; }
    var field = button.form.querySelector("input[name=call_back_at]");
    var outcome = button.form.querySelector("input[name=outcome][value=call_back_later]");
    if (!field) { return; }
    event.preventDefault();
    field.value = button.getAttribute("data-preset-at");
    if (outcome) { outcome.checked = true; }
    field.dispatchEvent(new Event("change", { bubbles: true }));
    field.focus();
  });
})();
