/* dmzwatch web map: zones, base layers and events from the dmzwatch API, drawn with Leaflet.
 * No tile server and no other origin: every layer comes from /api/ on this server. */
(function () {
  "use strict";

  var COLORS = { violation: "#c62828", possible: "#ef8f00", compliant: "#2e7d32", none: "#6b7785" };
  var VERDICTS = ["violation", "possible", "compliant", "none"];
  var VERDICT_LABEL = {
    violation: "violation", possible: "possible violation", compliant: "compliant", none: "no finding"
  };
  var BANDS = ["core", "fringe", "outside"];
  var BAND_LABEL = { core: "zone core", fringe: "zone fringe", outside: "outside the zone" };
  var STYLE = {
    core: { color: "#b35c00", weight: 1, fillColor: "#f59e42", fillOpacity: 0.38 },
    fringe: { color: "#b35c00", weight: 1, dashArray: "4 3", fillColor: "#fbd38d", fillOpacity: 0.32 },
    line: { color: "#7b1e3b", weight: 3, opacity: 0.95 },
    border: { color: "#39434d", weight: 1.6, opacity: 0.9 },
    gov: { color: "#8f9aa6", weight: 0.8, fillColor: "#f6f3ea", fillOpacity: 1 },
    place: { radius: 2.5, color: "#47515c", weight: 1, fillColor: "#ffffff", fillOpacity: 1 }
  };
  // patrol coverage: a sequential ramp from 0 (never patrolled) to 1 (every day)
  var COVERAGE_RAMP = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"];
  var TOKEN_KEY = "dmzwatch-token";
  var PAGE = 10000;

  var state = {
    token: "",
    me: null,
    scenario: null,
    events: [],
    days: [],
    dayOf: [],
    layers: {},
    patrol: null,
    patrolOn: false,
    eventLayer: null,
    drawn: 0
  };
  var $ = function (id) { return document.getElementById(id); };

  // ------------------------------------------------------------------ map and panes
  var map = L.map("map", { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });
  [["govs", 300], ["zones", 350], ["patrol", 400], ["lines", 420], ["places", 440], ["events", 460]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = String(p[1]);
  });
  map.setView([35.6, 36.7], 8);
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);

  // ------------------------------------------------------------------ API access
  // A refused token (revoked, unknown) is refused on every route, open ones included: drop
  // it, say so, and ask again without it, so that the page goes on as an anonymous one.
  function api(path) {
    var headers = { Accept: "application/json" };
    var sent = state.token;
    if (sent) headers.Authorization = "Bearer " + sent;
    return fetch(path, { headers: headers }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.status === 401 && sent) {
          if (state.token === sent) tokenRefused();
          return api(path);
        }
        if (!r.ok) {
          var err = new Error((body.error && body.error.message) || r.statusText);
          err.status = r.status;
          throw err;
        }
        return body;
      });
    });
  }

  // The query naming the scenario shown: none for the server's default one, which the
  // server may know under a file name rather than the agreement's id.
  function scenarioQuery(sep) {
    var info = state.scenario;
    return info && !info["default"] ? sep + "scenario=" + encodeURIComponent(info.name) : "";
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  // Tooltip content as text: Leaflet puts a string in as HTML, and names come from data files.
  function text(value) { return el("span", { text: value == null ? "" : String(value) }); }

  function setStatus(name, value) { document.body.dataset[name] = String(value); }

  // ------------------------------------------------------------------ token
  function readToken() {
    var m = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    state.token = sessionStorage.getItem(TOKEN_KEY) || "";
  }

  function showWho() {
    var me = state.me || {};
    $("who").textContent = me.role ? me.role + (me.party ? " · " + me.party : "")
      : state.refused ? "token refused" : "not signed in";
    $("sign-out").hidden = !me.role;
    $("token").hidden = !!me.role;
    $("token-form").querySelector("button[type=submit]").hidden = !!me.role;
  }

  function whoAmI() {
    return api("/api/me").then(function (me) {
      state.me = me;
      if (me.role) state.refused = false;
      showWho();
    });
  }

  // The server refused the token: sign out, and take away what it showed.
  function tokenRefused() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = "";
    state.refused = true;
    state.me = { role: null, party: null, token_id: null };
    showWho();
    if (!state.scenario) return;
    resetPatrol();
    loadEvents();
    loadReports();
  }

  function signedInAgain() {
    whoAmI().then(resetPatrol).then(loadEvents).then(loadReports).catch(function (err) {
      $("notice").textContent = "The server could not be asked: " + err.message;
    });
  }

  $("token-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = $("token").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    state.token = value;
    state.refused = false;
    $("token").value = "";
    signedInAgain();
  });
  $("sign-out").addEventListener("click", function () {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = "";
    state.refused = false;
    signedInAgain();
  });

  // ------------------------------------------------------------------ base layers
  function clearLayers() {
    Object.keys(state.layers).forEach(function (k) { map.removeLayer(state.layers[k]); });
    state.layers = {};
    if (state.patrol) map.removeLayer(state.patrol);
    state.patrol = null;
    state.patrolOn = false;
  }

  function loadBase(current) {
    var q = scenarioQuery("?");
    var info = state.scenario;
    var want = ["lines", "places"].concat(info.layers.indexOf("areas") >= 0 ? ["areas"] : [])
      .concat(info.layers.indexOf("territory") >= 0 ? ["territory"] : []);
    return Promise.all([api("/api/zones" + q)].concat(want.map(function (l) {
      return api("/api/layers/" + l + q);
    }))).then(function (parts) {
      if (!current()) return;
      clearLayers();
      var zones = parts[0];
      var byName = {};
      want.forEach(function (l, i) { byName[l] = parts[i + 1]; });
      if (byName.areas) {
        state.layers.governorates = L.geoJSON(byName.areas, {
          pane: "govs", style: function () { return STYLE.gov; }, interactive: false,
          onEachFeature: function (f, layer) {
            layer.bindTooltip(text(f.properties.name), {
              permanent: true, direction: "center", className: "label-gov", opacity: 1
            });
          }
        }).addTo(map);
      }
      if (byName.territory) {
        state.layers.border = L.geoJSON(byName.territory, {
          pane: "govs", style: function () { return STYLE.border; }, interactive: false
        }).addTo(map);
      }
      state.layers.zoneFringe = L.geoJSON(zones, {
        pane: "zones", filter: function (f) { return f.properties.band === "fringe"; },
        style: function () { return STYLE.fringe; },
        onEachFeature: function (f, layer) { layer.bindTooltip(text(zoneText(f.properties)), { sticky: true }); }
      }).addTo(map);
      state.layers.zoneCore = L.geoJSON(zones, {
        pane: "zones", filter: function (f) { return f.properties.band !== "fringe"; },
        style: function () { return STYLE.core; },
        onEachFeature: function (f, layer) { layer.bindTooltip(text(zoneText(f.properties)), { sticky: true }); }
      }).addTo(map);
      state.layers.lines = L.geoJSON(byName.lines, {
        pane: "lines", style: function () { return STYLE.line; },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(text(f.properties.description || f.properties.id), { sticky: true });
        }
      }).addTo(map);
      state.layers.places = L.geoJSON(byName.places, {
        pane: "places",
        pointToLayer: function (f, ll) {
          var big = f.properties.population >= 30000;
          var marker = L.circleMarker(ll, L.extend({}, STYLE.place, {
            pane: "places", radius: big ? 3.5 : 2.5, className: "place"
          }));
          marker.bindTooltip(text(f.properties.name), big ? {
            permanent: true, direction: "right", className: "label-place", offset: [3, 0], opacity: 1
          } : { direction: "right" });
          return marker;
        }
      }).addTo(map);
      var frame = state.layers.zoneFringe.getBounds();
      if (state.layers.zoneCore.getLayers().length) frame = frame.isValid() ? frame.extend(state.layers.zoneCore.getBounds()) : state.layers.zoneCore.getBounds();
      if (!frame.isValid()) frame = state.layers.lines.getBounds();
      if (frame.isValid()) map.fitBounds(frame.pad(0.08));
      setStatus("zones", zones.features.length);
      setStatus("places", byName.places.features.length);
      drawLegend();
    });
  }

  function zoneText(p) {
    var depth = p.depth_max_km != null ? " (" + (p.depth_min_km || 0) + "–" + p.depth_max_km + " km)" : "";
    return (p.title || p.zone) + ": " + p.band + depth;
  }

  function drawLegend() {
    var rows = [
      ["zoneCore", "Zone core", "key", "background:" + STYLE.core.fillColor + ";border:1px solid " + STYLE.core.color],
      ["zoneFringe", "Zone fringe (uncertain edge)", "key", "background:" + STYLE.fringe.fillColor + ";border:1px dashed " + STYLE.fringe.color],
      ["lines", "Line of contact / reference line", "key line", "border-color:" + STYLE.line.color],
      ["border", "National border", "key line", "border-color:" + STYLE.border.color],
      ["governorates", "Governorates", "key", "background:" + STYLE.gov.fillColor + ";border:1px solid " + STYLE.gov.color],
      ["places", "Populated places (GeoNames)", "key dot", "background:#fff;border:1px solid " + STYLE.place.color]
    ];
    var list = $("legend");
    list.textContent = "";
    rows.forEach(function (r) {
      // a layer with nothing in it (no fringe, no places in this scenario) gets no legend row
      if (!state.layers[r[0]] || !state.layers[r[0]].getLayers().length) return;
      var box = el("input", { type: "checkbox", "data-layer": r[0] });
      box.checked = map.hasLayer(state.layers[r[0]]);
      box.addEventListener("change", function () {
        var layer = state.layers[r[0]];
        if (box.checked) layer.addTo(map); else map.removeLayer(layer);
      });
      var key = el("span", { className: r[2] });
      key.style.cssText = r[3];
      list.appendChild(el("li", {}, [el("label", {}, [box, key, r[1]])]));
    });
    if (state.me && state.me.role) list.appendChild(patrolRow());
  }

  // ------------------------------------------------------------------ patrol coverage layer
  function coverageColor(c) {
    var k = Math.max(0, Math.min(COVERAGE_RAMP.length - 1, Math.floor(c * COVERAGE_RAMP.length)));
    return COVERAGE_RAMP[k];
  }

  function patrolRow() {
    var box = el("input", { type: "checkbox", "data-layer": "patrol" });
    box.checked = state.patrolOn;
    box.addEventListener("change", function () { showPatrol(box.checked); });
    var key = el("span", { className: "key" });
    key.style.cssText = "background:linear-gradient(90deg," + COVERAGE_RAMP.join(",") + ");border:1px solid #5b6f86";
    var ramp = el("div", { className: "ramp" }, [
      el("span", { className: "bar" }), el("span", { className: "ends" }, [
        el("span", { text: "0" }), el("span", { text: "coverage (share of days patrolled)" }), el("span", { text: "1" })
      ])
    ]);
    ramp.firstChild.style.background = "linear-gradient(90deg," + COVERAGE_RAMP.join(",") + ")";
    var info = el("div", { id: "patrol-info", className: "patrol-info" }, [ramp, el("p", { id: "patrol-note", className: "notice" })]);
    info.hidden = !state.patrolOn;
    return el("li", { className: "patrol-row" }, [el("label", {}, [box, key, "Patrol coverage (plan)"]), info]);
  }

  function patrolTip(p) {
    return el("div", { className: "patrol-tip" }, [
      el("b", { text: p.party }), " · sector " + p.sector,
      el("br"), "coverage " + (100 * p.coverage).toFixed(0) + "% · value " + p.value.toFixed(2)
    ]);
  }

  function showPatrol(on) {
    state.patrolOn = on;
    var info = $("patrol-info");
    if (info) info.hidden = !on;
    if (!on) {
      if (state.patrol) map.removeLayer(state.patrol);
      setStatus("patrol", "off");
      return Promise.resolve();
    }
    if (state.patrol) { state.patrol.addTo(map); setStatus("patrol", state.patrol.getLayers().length); return Promise.resolve(); }
    var note = $("patrol-note");
    note.textContent = "Solving the patrol plan…";
    var name = state.scenario.name;
    return api("/api/patrol/coverage" + scenarioQuery("?")).then(function (fc) {
      if (!state.patrolOn || state.scenario.name !== name) return;
      state.patrol = L.geoJSON(fc, {
        pane: "patrol",
        style: function (f) {
          return { color: "#36485c", weight: 0.5, fillColor: coverageColor(f.properties.coverage), fillOpacity: 0.75, className: "patrol-sector" };
        },
        onEachFeature: function (f, layer) { layer.bindTooltip(patrolTip(f.properties), { sticky: true }); }
      }).addTo(map);
      var s = fc.summary;
      var units = Object.keys(s.units).map(function (k) { return k + "=" + s.units[k]; }).join(", ");
      note.textContent = s.sectors + " sectors, units " + units + ", network: " + s.network +
        ", solver " + s.solver_status + ". A plan, not observed patrols.";
      setStatus("patrol", fc.features.length);
    }).catch(function (err) {
      if (!state.patrolOn || state.scenario.name !== name) return;
      note.textContent = "Patrol coverage could not be loaded: " + err.message;
      setStatus("patrol", "error");
    });
  }

  function resetPatrol() {
    if (state.patrol) map.removeLayer(state.patrol);
    state.patrol = null;
    state.patrolOn = false;
    setStatus("patrol", "off");
    if (state.scenario) drawLegend();
  }

  // ------------------------------------------------------------------ events
  function localDay(iso) {
    var fmt = state.dayFormat;
    return fmt ? fmt.format(new Date(iso)) : iso.slice(0, 10);
  }

  function loadEvents() {
    var gen = state.eventsGen = (state.eventsGen || 0) + 1;
    if (state.eventLayer) { map.removeLayer(state.eventLayer); state.eventLayer = null; }
    state.events = [];
    if (!state.me || !state.me.role) {
      $("notice").textContent = (state.refused ? "The API token was refused (revoked or unknown). " : "") +
        "Enter an API token to see events and findings.";
      prepareTime();
      applyFilters();
      setStatus("events", "none");
      return Promise.resolve();
    }
    $("notice").textContent = "Loading events…";
    var all = [];
    // The server may hold fewer records a page than PAGE (DMZWATCH_PAGE_MAX): it refuses
    // such a limit with 400, naming its most at the end; ask again with that (or half).
    function page(offset, limit) {
      return api("/api/events?limit=" + limit + "&offset=" + offset + scenarioQuery("&")).catch(function (err) {
        if (err.status !== 400 || limit <= 1) throw err;
        var most = /\((\d+)\)\s*$/.exec(err.message);
        return { retry: most && +most[1] >= 1 && +most[1] < limit ? +most[1] : Math.floor(limit / 2) };
      }).then(function (fc) {
        if (fc.retry) return page(offset, fc.retry);
        all = all.concat(fc.features);
        if (fc.features.length && all.length < fc.total) return page(offset + fc.features.length, limit);
        return all;
      });
    }
    return page(0, PAGE).then(function (features) {
      if (gen !== state.eventsGen) return;
      state.events = features;
      $("notice").textContent = features.length ? "" : "No events stored yet.";
      prepareTime();
      fillActors();
      applyFilters();
      setStatus("events", features.length);
    }).catch(function (err) {
      if (gen !== state.eventsGen) return;
      $("notice").textContent = "Events could not be loaded: " + err.message;
      setStatus("events", "error");
    });
  }

  function prepareTime() {
    var slider = $("slider");
    var days = state.events.map(function (f) { return localDay(f.properties.time); }).sort();
    state.dayOf = state.events.map(function (f) { return localDay(f.properties.time); });
    state.days = [];
    if (days.length) {
      var d = new Date(days[0] + "T00:00:00Z");
      var last = new Date(days[days.length - 1] + "T00:00:00Z");
      while (d <= last) {
        state.days.push(d.toISOString().slice(0, 10));
        d = new Date(d.getTime() + 86400000);
      }
    }
    slider.max = String(Math.max(0, state.days.length - 1));
    slider.value = slider.max;
    slider.disabled = state.days.length < 2;
  }

  function fillActors() {
    var counts = {};
    state.events.forEach(function (f) {
      (f.properties.actors || []).forEach(function (a) { counts[a] = (counts[a] || 0) + 1; });
    });
    var select = $("actor");
    var keep = select.value;
    select.textContent = "";
    select.appendChild(el("option", { value: "", text: "all actors" }));
    Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); })
      .forEach(function (a) {
        select.appendChild(el("option", { value: a, text: a + " (" + counts[a] + ")" }));
      });
    select.value = counts[keep] ? keep : "";
  }

  function checked(id) {
    var out = {};
    Array.prototype.forEach.call($(id).querySelectorAll("input"), function (box) {
      out[box.value] = box.checked;
    });
    return out;
  }

  function applyFilters() {
    var verdicts = checked("verdicts");
    var bands = checked("bands");
    var actor = $("actor").value;
    var end = state.days.length ? state.days[Number($("slider").value)] : null;
    var span = Number($("window").value);
    var start = null;
    if (end && span > 0) {
      start = new Date(new Date(end + "T00:00:00Z").getTime() - (span - 1) * 86400000).toISOString().slice(0, 10);
    }
    $("day").textContent = end ? (start ? start + " → " + end : "to " + end) : "—";
    var counts = { verdict: {}, band: {} };
    VERDICTS.forEach(function (v) { counts.verdict[v] = 0; });
    BANDS.forEach(function (b) { counts.band[b] = 0; });
    var shown = [];
    state.events.forEach(function (f, i) {
      var p = f.properties;
      var day = state.dayOf[i];
      if (end && day > end) return;
      if (start && day < start) return;
      if (actor && (p.actors || []).indexOf(actor) < 0) return;
      var vOk = verdicts[p.verdict] !== false;
      var bOk = bands[p.band] !== false;
      if (bOk) counts.verdict[p.verdict] += 1;
      if (vOk) counts.band[p.band] += 1;
      if (vOk && bOk) shown.push(f);
    });
    document.querySelectorAll("#verdicts .n").forEach(function (n) { n.textContent = counts.verdict[n.dataset.key]; });
    document.querySelectorAll("#bands .n").forEach(function (n) { n.textContent = counts.band[n.dataset.key]; });
    $("count").textContent = shown.length + " / " + state.events.length;
    drawEvents(shown);
  }

  function drawEvents(features) {
    if (state.eventLayer) map.removeLayer(state.eventLayer);
    var rank = { none: 0, compliant: 1, possible: 2, violation: 3 };
    features = features.slice().sort(function (a, b) { return rank[a.properties.verdict] - rank[b.properties.verdict]; });
    state.eventLayer = L.layerGroup(features.map(function (f) {
      var c = f.geometry.coordinates;
      var p = f.properties;
      var marker = L.circleMarker([c[1], c[0]], {
        pane: "events", radius: p.verdict === "none" ? 4.5 : 6, weight: 1.2, color: "#ffffff",
        fillColor: COLORS[p.verdict], fillOpacity: 0.92,
        className: "event verdict-" + p.verdict
      });
      marker.on("click", function () { openEvent(marker, f); });
      return marker;
    })).addTo(map);
    state.drawn = features.length;
    setStatus("drawn", features.length);
  }

  // ------------------------------------------------------------------ event popup and findings
  function row(label, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return null;
    return el("tr", {}, [el("td", { text: label }), el("td", { text: Array.isArray(value) ? value.join(", ") : String(value) })]);
  }

  function openEvent(marker, f) {
    var p = f.properties;
    var box = el("div", { className: "popup", "data-event": p.key });
    box.appendChild(el("h3", {}, [el("span", { className: "badge " + p.verdict, text: VERDICT_LABEL[p.verdict] }), " ", p.kind.replace(/_/g, " ")]));
    box.appendChild(el("div", { className: "meta", text: p.time.replace("T", " ").slice(0, 16) + " UTC · " + p.source + " #" + p.source_id + (p.party ? " · submitted by " + p.party : "") }));
    var cls = p.equipment_class ? p.equipment_class + (p.equipment_inferred ? " (inferred from “" + p.inferred_from.join("”, “") + "”)" : "") : null;
    var rows = [
      row("place", BAND_LABEL[p.band] + (p.distance_km != null ? ", " + p.distance_km.toFixed(1) + " km from the line" : "")),
      row("p in zone", p.p_in_zone.toFixed(2) + " (±" + p.precision_km + " km)"),
      row("weapon", cls),
      row("count", p.count),
      row("actors", p.actors),
      row("fatalities", p.fatalities == null ? null : p.fatalities + (p.civilians ? " (" + p.civilians + " civilians)" : "")),
      row("text", p.text)
    ].filter(Boolean);
    box.appendChild(el("table", {}, rows));
    box.appendChild(recordBox(marker, f));
    var list = el("div", { className: "findings" });
    box.appendChild(list);
    marker.bindPopup(box, { maxWidth: 380, minWidth: 260 }).openPopup();
    if (!p.findings.length) {
      list.appendChild(el("p", { className: "meta", text: "No rule of the agreement judged this event." }));
      setStatus("popup", p.key);
      return;
    }
    list.appendChild(el("p", { className: "meta", text: "Loading findings…" }));
    api("/api/findings?event=" + encodeURIComponent(p.key) + scenarioQuery("&"))
      .then(function (body) {
        list.textContent = "";
        body.items.forEach(function (fd) { list.appendChild(findingBox(fd)); });
        marker.getPopup().update();
        setStatus("popup", p.key);
      }).catch(function (err) {
        list.textContent = "Findings could not be loaded: " + err.message;
      });
  }

  // The stored record behind an event, fetched when first opened: where it came from, its
  // evidence entry, probable duplicates and the original row exactly as read.
  function recordBox(marker, f) {
    var details = el("details", { className: "record" }, [el("summary", { text: "Source record" })]);
    var body = el("div", { className: "meta", text: "Loading…" });
    details.appendChild(body);
    var loaded = false;
    details.addEventListener("toggle", function () {
      if (!details.open || loaded) return;
      loaded = true;
      api("/api/events/" + encodeURIComponent(f.id)).then(function (r) {
        body.textContent = "";
        var p = r.provenance;
        var from = p.party ? "posted by " + p.party + " through the API"
          : p.ingest ? "from " + p.ingest.file + (p.line != null ? ", line " + p.line : "")
          : p.bundle ? "merged from a bundle signed by " + p.bundle.party
          : "no ingest, post or bundle recorded";
        body.appendChild(el("div", { className: "from", text: from }));
        body.appendChild(el("div", { className: "evidence", text: r.evidence
          ? "evidence entry " + r.evidence.seq + " · " + r.evidence.hash.slice(0, 16) + "…"
          : "no evidence entry (the log is broken: run verify)" }));
        r.links.forEach(function (k) {
          body.appendChild(el("div", { className: "link", text: "probable duplicate: " + k.source + " #" + k.source_id }));
        });
        body.appendChild(el("table", { className: "original" }, Object.keys(r.original).map(function (key) {
          var v = r.original[key];
          return row(key, v !== null && typeof v === "object" ? JSON.stringify(v) : v);
        }).filter(Boolean)));
        marker.getPopup().update();
        setStatus("record", f.id);
      }).catch(function (err) {
        body.textContent = "The source record could not be loaded: " + err.message;
      });
    });
    return details;
  }

  function findingBox(fd) {
    var box = el("div", { className: "finding", "data-finding": fd.finding_id });
    box.appendChild(el("div", {}, [el("span", { className: "badge " + fd.verdict, text: VERDICT_LABEL[fd.verdict] || fd.verdict }), " rule ", el("b", { text: fd.rule })]));
    if (fd.clause) box.appendChild(el("div", { className: "clause", text: "“" + fd.clause + "”" }));
    var facts = [
      fd.band ? "band " + fd.band : "outside the zone",
      fd.distance_km != null ? fd.distance_km.toFixed(1) + " km from the line" : null,
      "p_in_zone " + Number(fd.p_in_zone).toFixed(2) + (fd.shape ? " (" + fd.shape + ")" : ""),
      fd.first_day ? "event date " + (fd.first_day === fd.last_day ? fd.first_day : fd.first_day + "…" + fd.last_day) : null,
      fd.rule_start ? "rule in force from " + String(fd.rule_start).slice(0, 10) : null
    ].filter(Boolean);
    box.appendChild(el("div", { className: "meta", text: facts.join(" · ") }));
    if (fd.reasons && fd.reasons.length) {
      box.appendChild(el("ul", {}, fd.reasons.map(function (r) { return el("li", { text: r }); })));
    }
    return box;
  }

  // ------------------------------------------------------------------ reports
  function loadReports() {
    var section = $("reports-section");
    if (!state.me || !state.me.role) { section.hidden = true; return Promise.resolve(); }
    return api("/api/reports").then(function (files) {
      var list = $("reports");
      list.textContent = "";
      files.filter(function (f) { return /\.(html|pdf)$/.test(f.name); }).slice(0, 8).forEach(function (f) {
        var button = el("button", { type: "button", text: f.name });
        button.addEventListener("click", function () { openReport(f); });
        list.appendChild(el("li", {}, [button]));
      });
      section.hidden = !list.children.length;
    }).catch(function () { section.hidden = true; });
  }

  function openReport(f) {
    var win = window.open("", "_blank");
    fetch(f.url, { headers: { Authorization: "Bearer " + state.token } })
      .then(function (r) { return r.blob(); })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        if (win) win.location = url; else window.location = url;
      });
  }

  // ------------------------------------------------------------------ controls
  function buildChecks(id, keys, labels, swatch) {
    var box = $(id);
    keys.forEach(function (k) {
      var input = el("input", { type: "checkbox", value: k });
      input.checked = true;
      input.addEventListener("change", applyFilters);
      var parts = [input];
      if (swatch) {
        var s = el("span", { className: "swatch" });
        s.style.background = COLORS[k];
        parts.push(s);
      }
      parts.push(labels[k]);
      parts.push(el("span", { className: "n", "data-key": k, text: "0" }));
      box.appendChild(el("label", {}, parts));
    });
  }

  buildChecks("verdicts", VERDICTS, VERDICT_LABEL, true);
  buildChecks("bands", BANDS, BAND_LABEL, false);
  $("slider").addEventListener("input", applyFilters);
  $("window").addEventListener("change", applyFilters);
  $("actor").addEventListener("change", applyFilters);

  // Switching scenarios: the last one chosen wins, whatever order the answers come in.
  function selectScenario(name) {
    var seq = state.selecting = (state.selecting || 0) + 1;
    var current = function () { return seq === state.selecting; };
    setStatus("ready", "no");
    var known = (state.scenarios || []).filter(function (s) { return s.name === name; })[0];
    return (known ? Promise.resolve(known) : api("/api/scenarios/" + encodeURIComponent(name))).then(function (info) {
      if (!current()) return null;
      state.scenario = info;
      $("scenario-title").textContent = info.title + " · signed " + info.signed;
      try {
        state.dayFormat = new Intl.DateTimeFormat("en-CA", {
          timeZone: info.timezone, year: "numeric", month: "2-digit", day: "2-digit"
        });
      } catch (e) { state.dayFormat = null; }
      return loadBase(current).then(function () { return current() ? loadEvents() : null; });
    }).then(function () { if (current()) setStatus("ready", "yes"); });
  }

  $("scenario").addEventListener("change", function () {
    selectScenario($("scenario").value).catch(function (err) {
      $("notice").textContent = "The scenario could not load: " + err.message;
      setStatus("ready", "error");
    });
  });

  readToken();
  whoAmI()
    .then(function () { return api("/api/scenarios"); })
    .then(function (list) {
      state.scenarios = list;
      var select = $("scenario");
      var chosen = list[0] && list[0].name;
      list.forEach(function (s) {
        select.appendChild(el("option", { value: s.name, text: s.name }));
        if (s.default) chosen = s.name;
      });
      select.value = chosen;
      return selectScenario(chosen);
    })
    .then(loadReports)
    .catch(function (err) {
      $("notice").textContent = "The map could not load: " + err.message;
      setStatus("ready", "error");
    });

  window.dmzwatchMap = { map: map, state: state };
})();
