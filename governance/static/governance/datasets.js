// The datasets page: while a snapshot is being built, poll the status JSON
// ([data-datasets-poll]) and move its progress bar; reload once one changes state, so
// its rows, shards and exclusions show.
(function () {
  "use strict";

  var root = document.querySelector("[data-datasets-poll]");
  if (!root || !window.portalPoll) return;
  var shown = {};
  root.querySelectorAll("tr[data-dataset]").forEach(function (row) {
    shown[row.getAttribute("data-dataset")] = row.getAttribute("data-state");
  });
  var building = Object.keys(shown).some(function (id) {
    return shown[id] === "building";
  });
  if (!building) return;

  window.portalPoll(root.getAttribute("data-datasets-poll"), 1000, function (body) {
    var changed = false;
    body.datasets.forEach(function (dataset) {
      var id = String(dataset.id);
      if (!(id in shown)) return;
      if (shown[id] !== dataset.state) changed = true;
      var row = root.querySelector('tr[data-dataset="' + id + '"]');
      row.querySelectorAll('[data-field="progress"]').forEach(function (bar) {
        bar.value = dataset.percent;
        bar.textContent = dataset.percent + "%";
      });
      row.querySelectorAll('[data-field="percent"]').forEach(function (el) {
        el.textContent = dataset.percent + "%";
      });
    });
    if (changed) window.location.reload();
    return !changed;
  });
})();
