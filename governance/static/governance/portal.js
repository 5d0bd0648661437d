// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // <form data-confirm="..."> asks before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // The safeguard form shows only the setting its kind uses.
  var kind = document.getElementById("id_kind");
  var settingOf = {
    excluded_application: "id_application",
    window_title_pattern: "id_pattern",
    redaction_detector: "id_detector",
    keystroke_timing: "id_resolution_ms",
  };
  if (kind && document.getElementById("id_pattern")) {
    var update = function () {
      Object.keys(settingOf).forEach(function (value) {
        var input = document.getElementById(settingOf[value]);
        var field = input && input.closest(".field");
        if (field) {
          field.hidden = kind.value !== "" && kind.value !== value;
        }
      });
    };
    kind.addEventListener("change", update);
    update();
  }
})();
