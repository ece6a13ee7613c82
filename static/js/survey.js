// The five-dimension survey (issue #22): a dimension's low-score reasons show only when it is rated
// 6 or lower (the source asks reasons for ≤ 6). Without this script every reason stays visible.
(function () {
  var LOW = 6;
  function sync(row) {
    var input = row.querySelector("input[type=number]");
    var reasons = row.querySelector("[data-low-reasons]");
    if (!input || !reasons) { return; }
    var value = parseInt(input.value, 10);
    var ticked = reasons.querySelector("input:checked");
    reasons.hidden = !(value >= 1 && value <= LOW) && !ticked;
  }
  function all() { document.querySelectorAll("[data-rating-row]").forEach(sync); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest("[data-rating-row]");
    if (row) { sync(row); }
  });
})();
