// The reports page: while a report is queued or being built, poll the status JSON
// ([data-reports-poll]) and move its progress bar; reload once any report changes
// state, so its download link (or its error) shows.
(function () {
  "use strict";

  var root = document.querySelector("[data-reports-poll]");
  if (!root || !window.portalPoll) return;
  var url = root.getAttribute("data-reports-poll");
  var shown = {};
  root.querySelectorAll("tr[data-report]").forEach(function (row) {
    shown[row.getAttribute("data-report")] = row.getAttribute("data-state");
  });
  var waiting = function () {
    return Object.keys(shown).some(function (id) {
      return shown[id] === "queued" || shown[id] === "building";
    });
  };
  if (!waiting()) return;

  window.portalPoll(url, 1000, function (body) {
    var changed = false;
    body.reports.forEach(function (report) {
      var id = String(report.id);
      if (!(id in shown)) return;
      var waitingBefore = shown[id] === "queued" || shown[id] === "building";
      var waitingNow = report.state === "queued" || report.state === "building";
      if (waitingBefore !== waitingNow) changed = true;
      var row = root.querySelector('tr[data-report="' + id + '"]');
      if (!row) return;
      row.querySelectorAll('[data-field="progress"]').forEach(function (bar) {
        bar.value = report.percent;
        bar.textContent = report.percent + "%";
      });
      row.querySelectorAll('[data-field="percent"]').forEach(function (el) {
        el.textContent = report.percent + "%";
      });
      row.querySelectorAll('[data-field="rows"]').forEach(function (el) {
        el.textContent = report.rows;
      });
    });
    if (changed) window.location.reload();
    return !changed;
  });
})();

// The form: offer only the formats the chosen kind comes in (the kind's select carries
// them as data-formats); without JS every format shows and the server names a wrong one.
(function () {
  "use strict";

  var kind = document.querySelector("select[data-formats]");
  var format = kind && kind.form ? kind.form.querySelector('select[name="format"]') : null;
  if (!kind || !format) return;
  var byKind;
  try {
    byKind = JSON.parse(kind.getAttribute("data-formats"));
  } catch (e) {
    return;
  }

  function offer() {
    var allowed = byKind[kind.value] || [];
    var first = null;
    Array.prototype.forEach.call(format.options, function (option) {
      var ok = allowed.indexOf(option.value) !== -1;
      option.hidden = !ok;
      option.disabled = !ok;
      if (ok && first === null) first = option;
    });
    var chosen = format.options[format.selectedIndex];
    if ((!chosen || chosen.disabled) && first) format.value = first.value;
  }

  kind.addEventListener("change", offer);
  offer();
})();
