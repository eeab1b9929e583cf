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
    var empty = document.getElementById('filter-empty');
    var reset = document.getElementById('filter-reset');
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
      count.textContent = shown ? shown + ' of ' + items.length + ' supporters shown'
                                : 'No supporter matches these choices';
      if (empty) empty.hidden = shown > 0;
    }
    form.hidden = false;
    form.addEventListener('change', apply);
    if (reset) {
      reset.addEventListener('click', function () {
        for (var j = 0; j < selects.length; j++) selects[j].value = '';
        apply();
        selects[0].focus();
      });
    }
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

  /* Empties a form for good: values and the defaults a page may carry (the
     kiosk's problems page writes what was typed back into the HTML, where
     form.reset() would bring it back), then takes away its error marks. */
  function clearForm(form) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.type === 'checkbox' || el.type === 'radio') {
        el.checked = false;
        el.defaultChecked = false;
      } else if (el.tagName === 'SELECT') {
        Array.prototype.forEach.call(el.options, function (o) { o.defaultSelected = false; });
        el.selectedIndex = 0;
      } else if (el.tagName === 'TEXTAREA' || /^(text|email|tel|search|number|url)$/.test(el.type)) {
        el.defaultValue = '';
        el.value = '';
      }
    });
    clearProblems(form);
  }

  /* Takes away the error summary and every field's error marks. */
  function clearProblems(form) {
    var box = document.getElementById('seal-errors');
    if (box) { box.hidden = true; box.textContent = ''; }
    Array.prototype.forEach.call(form.querySelectorAll('.error-message'), function (el) {
      el.parentNode.removeChild(el);
    });
    Array.prototype.forEach.call(form.querySelectorAll('[data-invalid]'), function (el) {
      el.removeAttribute('data-invalid');
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) {
      el.removeAttribute('aria-invalid');
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-describedby]'), function (el) {
      var ids = el.getAttribute('aria-describedby').split(/\s+/).filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
      else el.removeAttribute('aria-describedby');
    });
  }

  /* The error summary (GOV.UK pattern): focused when the page opens with
     one (the kiosk's problems page); its links move focus to their field,
     with the field's label or legend in view. */
  function errorSummary() {
    document.addEventListener('click', function (ev) {
      var a = ev.target.closest ? ev.target.closest('.error-summary a[href^="#"]') : null;
      if (!a) return;
      var el = document.getElementById(a.getAttribute('href').slice(1));
      if (!el) return;
      ev.preventDefault();
      var wrap = el.closest('[data-field]');
      var label = wrap && (wrap.querySelector('legend') || wrap.querySelector('label'));
      (label || el).scrollIntoView();
      el.focus({ preventScroll: true });
    });
    var shown = document.querySelector('.error-summary:not([hidden])');
    if (shown) shown.focus();
  }

  /* Only at the kiosk (its page marks the form with data-drop), a form left
     alone is cleared, so the next person does not see what someone typed:
     after the site's idle time less a countdown, a dialog counts down with
     an "I'm still here" button; then the form is cleared. The public site
     never clears a form by itself. */
  function kioskIdle() {
    var form = document.getElementById('request-form');
    var fields = document.getElementById('request-fields');
    if (!form || !fields || !fields.hasAttribute('data-drop')) return;
    var idle = parseInt(document.body.getAttribute('data-idle'), 10) || 120;
    var countdown = Math.min(30, Math.floor(idle / 2));
    var timer = null, ticker = null, left = 0;

    var dialog = document.createElement('dialog');
    dialog.className = 'idle-warning';
    dialog.setAttribute('aria-labelledby', 'idle-title');
    dialog.setAttribute('aria-describedby', 'idle-text');
    var h = document.createElement('h2');
    h.id = 'idle-title';
    h.textContent = 'Are you still there?';
    var p = document.createElement('p');
    p.id = 'idle-text';
    var secs = document.createElement('strong');
    secs.className = 'idle-seconds';
    p.appendChild(document.createTextNode('For privacy, this form will be cleared in '));
    p.appendChild(secs);
    p.appendChild(document.createTextNode('. Your request has not been sent.'));
    var stay = document.createElement('button');
    stay.type = 'button';
    stay.textContent = 'I’m still here';
    dialog.appendChild(h);
    dialog.appendChild(p);
    dialog.appendChild(stay);
    document.body.appendChild(dialog);

    function show() { secs.textContent = left + (left === 1 ? ' second' : ' seconds'); }
    function clear() {
      clearInterval(ticker);
      ticker = null;
      if (dialog.open) dialog.close();
      clearForm(form);
      window.scrollTo(0, 0);
      arm();
    }
    function warn() {
      left = countdown;
      show();
      /* Counting first: the focus that moves into the dialog is no sign of
         someone at the kiosk. */
      ticker = setInterval(function () {
        left--;
        if (left <= 0) clear(); else show();
      }, 1000);
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
      stay.focus();
    }
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(warn, (idle - countdown) * 1000);
    }
    function still() {
      clearInterval(ticker);
      ticker = null;
      if (dialog.open) dialog.close();
      arm();
    }
    stay.addEventListener('click', still);
    dialog.addEventListener('cancel', function (ev) { ev.preventDefault(); still(); });
    ['input', 'change', 'keydown', 'pointerdown', 'scroll'].forEach(function (ev) {
      document.addEventListener(ev, function () { if (!ticker) arm(); }, { passive: true });
    });
    window.addEventListener('pageshow', function (ev) { if (ev.persisted) clear(); });
    /* Posted without the sealing script: the kiosk seals it; the page that
       comes back must not find the form filled. */
    form.addEventListener('submit', function (ev) {
      setTimeout(function () { if (!ev.defaultPrevented) clearForm(form); }, 0);
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

  /* For request.js: one way to empty the form and its error marks. */
  window.peerkit = { clearForm: clearForm, clearProblems: clearProblems };

  function init() {
    supporterFilters();
    search();
    errorSummary();
    kioskIdle();
    returnHome();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
