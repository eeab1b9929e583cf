/* peerkit default theme: small enhancements only. Every page works without
   this file: filters are hidden until it runs. Search is search.js's. */
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

  /* On paper, the site's own links show where they go (style.css prints
     data-print-href): absolute addresses, written just before printing. */
  function printTargets() {
    window.addEventListener('beforeprint', function () {
      Array.prototype.forEach.call(document.querySelectorAll('main a[href], .site-footer a[href]'), function (a) {
        var href = a.getAttribute('href');
        if (/^(#|[a-z][a-z0-9+.-]*:)/i.test(href)) return;
        a.setAttribute('data-print-href', a.href);
      });
    });
  }

  /* For request.js and kiosk.js: one way to empty the form and its error
     marks. */
  window.peerkit = { clearForm: clearForm, clearProblems: clearProblems };

  function init() {
    supporterFilters();
    errorSummary();
    printTargets();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
