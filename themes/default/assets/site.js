/* peerkit default theme: small enhancements only. Every page works without
   this file: filters are hidden until it runs, search says it needs it. */
(function () {
  'use strict';

  function supporterFilters() {
    var form = document.getElementById('supporter-filters');
    var list = document.getElementById('supporter-list');
    if (!form || !list) return;
    var selects = form.querySelectorAll('select[data-filter]');
    var items = list.querySelectorAll('.supporter');
    var count = document.getElementById('filter-count');
    function matches(item, key, value) {
      if (!value) return true;
      var have = item.getAttribute('data-' + key) || '';
      var parts = key === 'languages' ? have.split('|') : have.split(' ');
      return parts.indexOf(value) !== -1;
    }
    function apply() {
      var shown = 0;
      for (var i = 0; i < items.length; i++) {
        var ok = true;
        for (var j = 0; j < selects.length; j++) {
          ok = ok && matches(items[i], selects[j].getAttribute('data-filter'), selects[j].value);
        }
        items[i].hidden = !ok;
        if (ok) shown++;
      }
      count.textContent = shown + ' of ' + items.length + ' supporters shown';
    }
    form.hidden = false;
    form.addEventListener('change', apply);
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    apply();
  }

  function search() {
    var form = document.getElementById('search-form');
    if (!form) return;
    var input = document.getElementById('search-q');
    var status = document.getElementById('search-status');
    var results = document.getElementById('search-results');
    var root = form.getAttribute('data-root') || '';
    var index = null;
    function norm(s) {
      return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    }
    function run() {
      var words = norm(input.value).split(/\s+/).filter(Boolean);
      results.textContent = '';
      if (!words.length) { status.textContent = ''; return; }
      var hits = index.filter(function (e) {
        var hay = norm(e.t + ' ' + e.s + ' ' + e.x);
        return words.every(function (w) { return hay.indexOf(w) !== -1; });
      }).slice(0, 50);
      status.textContent = hits.length ? hits.length + ' result' + (hits.length > 1 ? 's' : '')
                                       : 'No results. Try fewer or other words.';
      hits.forEach(function (e) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = root + e.u;
        a.textContent = e.t;
        var section = document.createElement('div');
        section.className = 'section';
        section.textContent = e.s;
        li.appendChild(a);
        li.appendChild(section);
        results.appendChild(li);
      });
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (index) { run(); return; }
      status.textContent = 'Loading…';
      fetch(form.getAttribute('data-index'))
        .then(function (r) { return r.json(); })
        .then(function (data) { index = data; run(); })
        .catch(function () { status.textContent = 'Search is not available here.'; });
    });
    var q = new URLSearchParams(location.search).get('q');
    if (q) { input.value = q; form.requestSubmit(); }
  }

  /* On a shared kiosk the request form must not keep what someone typed:
     clear it after the site's idle time and whenever the page is shown again
     from the back/forward cache. */
  function requestFormReset() {
    var form = document.getElementById('request-form');
    if (!form) return;
    var idle = parseInt(document.body.getAttribute('data-idle'), 10) || 120;
    var timer = null;
    function clear() { form.reset(); window.scrollTo(0, 0); }
    function arm() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(clear, idle * 1000);
    }
    ['input', 'change', 'keydown', 'pointerdown', 'scroll'].forEach(function (ev) {
      document.addEventListener(ev, arm, { passive: true });
    });
    window.addEventListener('pageshow', function (ev) { if (ev.persisted) clear(); });
    /* A submission the request script took over (sealing, or a problem to
       fix) is not a page change: it clears the form itself when done. */
    form.addEventListener('submit', function (ev) {
      setTimeout(function () { if (!ev.defaultPrevented) clear(); }, 0);
    });
    arm();
  }

  /* The kiosk's thank-you page: back to the home page after the idle time,
     so the next person does not see someone else's reference. */
  function returnHome() {
    var link = document.querySelector('a[data-return-home]');
    if (!link) return;
    var seconds = parseInt(link.getAttribute('data-return-home'), 10) || 120;
    setTimeout(function () { location.replace(link.href); }, seconds * 1000);
  }

  function init() {
    supporterFilters();
    search();
    requestFormReset();
    returnHome();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
