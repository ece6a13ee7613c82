// Live countdowns for elements with data-due (ISO time): the time left in the page's language
// ("4天23小时" / "4d 23h", units from the script's data-units: csat/durations.py), red once past,
// amber from data-amber-at (the last share of the step, setting COUNTDOWN_AMBER_SHARE).
(function () {
  var script = document.currentScript;
  var units = { dh: "%(d)sd %(h)sh", hm: "%(h)sh %(m)sm", m: "%(m)sm", past: "-%(t)s" };
  try {
    if (script && script.getAttribute("data-units")) { units = JSON.parse(script.getAttribute("data-units")); }
  } catch (e) { /* keep the defaults */ }
  function fill(pattern, values) {
    return pattern.replace(/%\((\w)\)s/g, function (_m, key) { return String(values[key]); });
  }
  function fmt(ms) {
    var past = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = d ? fill(units.dh, { d: d, h: h }) : h ? fill(units.hm, { h: h, m: m }) : fill(units.m, { m: m });
    return past ? fill(units.past, { t: text }) : text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var ms = new Date(el.getAttribute("data-due")).getTime() - now;
      var amberAt = el.getAttribute("data-amber-at");
      var amber = amberAt !== null && ms >= 0 && now >= new Date(amberAt).getTime();
      el.textContent = fmt(ms);
      el.classList.toggle("text-danger", ms < 0);
      el.classList.toggle("fw-bold", ms < 0);
      el.classList.toggle("text-warning-emphasis", amber);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 30000);
})();
