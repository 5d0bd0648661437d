// Progressive enhancement only: every page works without this file.

// portalPoll(url, ms, onBody): fetch the JSON at `url` (or at what `url()` returns; null
// stops) every `ms` while the tab is visible, and go on while `onBody(body)` returns
// true. Any failure (signed out, offline) stops it quietly: the page still shows what it
// loaded. Shared by the erasure, request and report pages.
window.portalPoll = function (url, ms, onBody) {
  "use strict";

  function tick() {
    if (document.hidden) {
      window.setTimeout(tick, ms);
      return;
    }
    var target = typeof url === "function" ? url() : url;
    if (target === null) return;
    window
      .fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        if (onBody(body)) window.setTimeout(tick, ms);
      })
      .catch(function () {});
  }

  if (window.fetch) window.setTimeout(tick, ms);
};

(function () {
  "use strict";

  // <form data-confirm="..."> asks before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <button data-copy="#input" hidden> copies that input's value, where the
  // browser offers a clipboard (the button stays hidden where it does not), then
  // says so in the words of its data-copied attribute (the page's language).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.querySelector(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(input.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || "Copied";
      });
    });
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

  // A table wider than the page scrolls in its .table-scroll box: one that does
  // takes focus, so the keyboard can scroll it too (WCAG 2.1.1), and is named
  // after its table's caption where it has one.
  function scrollablesFocusable() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
        var caption = box.querySelector("caption");
        if (caption && !box.hasAttribute("aria-label")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (box.hasAttribute("tabindex")) {
        box.removeAttribute("tabindex");
      }
    });
  }
  scrollablesFocusable();
  window.addEventListener("resize", scrollablesFocusable);
})();

// Erasure progress. An element with data-erasure-poll="<JSON url>" holds jobs
// ([data-erasure-job="<id>"], with data-state) and their store steps
// ([data-step="<store>"]); fields to update carry data-field. While any job is
// unfinished, its JSON is fetched every 1.5 s and the bars, badges and counts
// move. data-poll-mode: "one" (the url is one job), "ids" (a list filtered by
// ?id=...), or "list" (the caller's whole list: when an owed erasure becomes a
// job, the page reloads to show it). Without this script the page shows the
// state as of loading.
(function () {
  "use strict";

  var FINISHED = ["verified", "blocked_by_hold", "failed"];
  var POLL_MS = 1500;

  function isFinished(state) {
    return FINISHED.indexOf(state) !== -1;
  }

  // Fields that belong to `owner` itself, not to a step (or job) nested in it.
  function own(owner, field) {
    var all = owner.querySelectorAll('[data-field="' + field + '"]');
    return Array.prototype.filter.call(all, function (el) {
      return el.parentElement.closest("[data-step], [data-erasure-job]") === owner;
    });
  }

  function setText(owner, field, value) {
    own(owner, field).forEach(function (el) {
      el.textContent = value === null || value === undefined ? "—" : String(value);
    });
  }

  function setState(owner, state, label, percent) {
    owner.setAttribute("data-state", state);
    own(owner, "state_display").forEach(function (badge) {
      badge.textContent = label;
      badge.className = badge.className.replace(/\bbadge-job-[a-z_]+/, "badge-job-" + state);
    });
    own(owner, "progress").forEach(function (bar) {
      bar.value = percent;
      bar.textContent = percent + "%";
      bar.className = bar.className.replace(/\bprogress-[a-z_]+/, "progress-" + state);
    });
    setText(owner, "percent", percent + "%");
  }

  function updateJob(root, job, item) {
    setState(job, item.state, item.state_display, item.progress.percent);
    setText(job, "stores_done", item.progress.stores_done);
    if (item.note !== undefined) {
      own(job, "note").forEach(function (el) {
        el.textContent = item.note;
        el.hidden = !item.note;
      });
    }
    var done = Boolean(item.receipt_url || item.receipt);
    own(job, "receipt").forEach(function (el) {
      el.hidden = !done;
    });
    own(job, "no-receipt").forEach(function (el) {
      el.hidden = done;
    });
    var scope = job.querySelector("[data-step]") ? job : root;
    (item.steps || []).forEach(function (step) {
      var row = scope.querySelector('[data-step="' + step.store + '"]');
      if (!row) {
        return;
      }
      setState(row, step.state, step.state_display, step.percent);
      ["rows_before", "rows_deleted", "rows_after", "rows_held", "attempts"].forEach(
        function (field) {
          if (field in step) {
            setText(row, field, step[field]);
          }
        }
      );
    });
  }

  function watch(root) {
    var mode = root.getAttribute("data-poll-mode") || "one";
    var base = root.getAttribute("data-erasure-poll");

    function waiting() {
      var jobs = root.querySelectorAll("[data-erasure-job]");
      return Array.prototype.filter.call(jobs, function (job) {
        return !isFinished(job.getAttribute("data-state"));
      });
    }

    var owed = root.querySelectorAll("[data-erasure-owed]").length;

    function url() {
      var open = waiting();
      if (!open.length && !owed) {
        return null;
      }
      if (mode !== "ids") {
        return base;
      }
      var ids = open.map(function (job) {
        return job.getAttribute("data-erasure-job");
      });
      return base + (base.indexOf("?") === -1 ? "?" : "&") + "id=" + ids.join(",");
    }

    window.portalPoll(url, POLL_MS, function (body) {
      var items = mode === "one" ? [body] : body.results;
      var reload = false;
      items.forEach(function (item) {
        if (item.id === null) {
          return;
        }
        var job = root.querySelector('[data-erasure-job="' + item.id + '"]');
        if (!job) {
          reload = reload || mode === "list";
          return;
        }
        var was = job.getAttribute("data-state");
        updateJob(root, job, item);
        if (root.hasAttribute("data-reload-on-finish") && was !== item.state) {
          reload = reload || isFinished(item.state);
        }
      });
      if (mode === "list") {
        var owedNow = items.filter(function (item) {
          return item.id === null;
        }).length;
        reload = reload || owedNow !== owed;
      }
      if (reload) {
        window.location.reload();
      }
      return !reload;
    });
  }

  if (window.fetch) {
    document.querySelectorAll("[data-erasure-poll]").forEach(watch);
  }
})();

// Data subject requests. The request form shows the scope selects only for the
// kinds that take a scope ([data-scoped-kinds] lists them). A request page with
// data-request-poll="<status JSON url>" polls while its package is building (or
// the request is open) and reloads once the request or its package changes state,
// moving the package's progress bar ([data-field="package-progress"]) meanwhile.
(function () {
  "use strict";

  var scope = document.querySelector("[data-scoped-kinds]");
  if (scope) {
    var scoped = scope.getAttribute("data-scoped-kinds").split(" ");
    var radios = document.querySelectorAll('input[name="kind"]');
    var update = function () {
      var picked = document.querySelector('input[name="kind"]:checked');
      scope.hidden = !picked || scoped.indexOf(picked.value) === -1;
      if (scope.hidden) {
        // A hidden choice must not travel with a kind that takes no scope.
        scope.querySelectorAll("select").forEach(function (select) {
          select.value = "";
        });
      }
    };
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  var root = document.querySelector("[data-request-poll]");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-request-poll");
  var state = root.getAttribute("data-state");
  var packageState = root.getAttribute("data-package-state") || "";

  window.portalPoll(url, 1500, function (body) {
    var nowPackage = body.package ? body.package.state : "";
    if (body.state !== state || nowPackage !== packageState) {
      window.location.reload();
      return false;
    }
    if (body.package) {
      root.querySelectorAll('[data-field="package-progress"]').forEach(function (bar) {
        bar.value = body.package.percent;
        bar.textContent = body.package.percent + "%";
      });
      root.querySelectorAll('[data-field="package-percent"]').forEach(function (el) {
        el.textContent = body.package.percent + "%";
      });
      root.querySelectorAll('[data-field="package-rows"]').forEach(function (el) {
        el.textContent = body.package.rows_text;
      });
    }
    return true;
  });
})();
