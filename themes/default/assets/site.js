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

  /* ---- search (the index is generator/search.c's) ------------------------ */

  /* U+00C0 to U+017F folded as generator/search.c folds them ('' parts words). */
  var LATIN = ('a a a a a a ae c e e e e i i i i d n o o o o o _ o u u u u y th ss ' +
               'a a a a a a ae c e e e e i i i i d n o o o o o _ o u u u u y th y ' +
               'a a a a a a c c c c c c c c d d d d e e e e e e e e e e g g g g ' +
               'g g g g h h h h i i i i i i i i i i ij ij j j k k k l l l l l l l ' +
               'l l l n n n n n n n n n o o o o o o oe oe r r r r r r s s s s s s ' +
               's s t t t t t t u u u u u u u u u u u u w w y y y z z z z z z s').split(' ');

  function separates(c) {
    return (c >= 0x80 && c <= 0xbf) || c === 0xd7 || c === 0xf7 || (c >= 0x2000 && c <= 0x206f) ||
           (c >= 0x2190 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f) ||
           (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff0f) ||
           (c >= 0xff1a && c <= 0xff20) || c === 0xfffd || (c >= 0x1f000 && c <= 0x1faff);
  }

  /* One character folded: '' when it disappears (an accent), ' ' when it
     separates words (search_fold in generator/search.c). */
  function foldChar(ch) {
    var c = ch.codePointAt(0);
    if (c >= 0x300 && c <= 0x36f) return '';
    if (c < 0x80) return /[A-Za-z0-9]/.test(ch) ? ch.toLowerCase() : ' ';
    if (c >= 0xc0 && c <= 0x17f) { var l = LATIN[c - 0xc0]; return l === '_' ? ' ' : l; }
    if (separates(c)) return ' ';
    if ((c >= 0x391 && c <= 0x3a9) || (c >= 0x410 && c <= 0x42f)) return String.fromCodePoint(c + 0x20);
    if (c >= 0x400 && c <= 0x40f) return String.fromCodePoint(c + 0x50);
    return ch;
  }

  function fold(s) {
    var out = '';
    for (var ch of s) out += foldChar(ch);
    return out;
  }

  /* The folded words of a query: two characters or more, not a stop word. */
  function queryWords(q, stop) {
    var seen = {};
    return fold(q).split(' ').filter(function (w) {
      if (w.length < 2 || stop.indexOf(w) !== -1 || seen[w]) return false;
      seen[w] = true;
      return true;
    });
  }

  /* FNV-1a 32 of a term's first two characters (search_shard). */
  function shardOf(term, n) {
    var h = 0x811c9dc5, first = Array.from(term).slice(0, 2).join('');
    var bytes = new TextEncoder().encode(first);
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 16777619) >>> 0;
    }
    return h % n;
  }

  /* The words of text with their place, folded: [{start, end, folded}]. */
  function wordsOf(text) {
    var list = [], cur = null, i = 0;
    for (var ch of text) {
      var f = foldChar(ch);
      if (f === ' ') {
        if (cur) { list.push(cur); cur = null; }
      } else if (f) {
        if (!cur) cur = { start: i, end: i, folded: '' };
        cur.folded += f;
        cur.end = i + ch.length;
      } else if (cur) {
        cur.end = i + ch.length;
      }
      i += ch.length;
    }
    if (cur) list.push(cur);
    return list;
  }

  /* text into el, the words that begin with a query word marked; a long
     text is cut around the first of them (about 30 words). */
  function highlight(el, text, words, cut) {
    var all = wordsOf(text), from = 0, to = text.length;
    function hit(w) { return words.some(function (q) { return w.folded.indexOf(q) === 0; }); }
    if (cut && all.length > 32) {
      var first = 0;
      for (var k = 0; k < all.length; k++) if (hit(all[k])) { first = k; break; }
      var a = Math.max(0, first - 8), b = Math.min(all.length - 1, a + 30);
      from = all[a].start;
      to = b === all.length - 1 ? text.length : all[b].end;
    }
    if (from > 0) el.appendChild(document.createTextNode('… '));
    var at = from;
    all.forEach(function (w) {
      if (w.start < from || w.end > to || !hit(w)) return;
      el.appendChild(document.createTextNode(text.slice(at, w.start)));
      var m = document.createElement('mark');
      m.textContent = text.slice(w.start, w.end);
      el.appendChild(m);
      at = w.end;
    });
    el.appendChild(document.createTextNode(text.slice(at, to)));
    if (to < text.length) el.appendChild(document.createTextNode(' …'));
  }

  function search() {
    var form = document.getElementById('search-form');
    if (!form) return;
    var input = document.getElementById('search-q');
    var status = document.getElementById('search-status');
    var results = document.getElementById('search-results');
    var more = document.getElementById('search-more');
    var root = form.getAttribute('data-root') || '';
    var base = form.getAttribute('data-index');
    var entry = null, files = {}, ranked = [], shown = 0, words = [];

    function get(path) {
      if (!files[path]) {
        files[path] = fetch(root + path).then(function (r) {
          if (!r.ok) throw new Error(path + ': ' + r.status);
          return r.json();
        });
      }
      return files[path];
    }

    /* doc -> score for one query word: exact terms count fully, longer
       words it begins three quarters. */
    function scoresFor(word) {
      return get('search-index/t-' + shardOf(word, entry.shards) + '.json').then(function (shard) {
        var scores = {};
        Object.keys(shard).forEach(function (term) {
          if (term.indexOf(word) !== 0) return;
          var factor = term === word ? 1 : 0.75, list = shard[term], doc = 0;
          for (var i = 0; i < list.length; i += 2) {
            doc += list[i];
            var s = list[i + 1] * factor;
            if (!(scores[doc] >= s)) scores[doc] = s;
          }
        });
        return scores;
      });
    }

    function render(upTo) {
      var slice = ranked.slice(shown, upTo);
      var chunks = {};
      slice.forEach(function (r) { chunks[Math.floor(r.doc / entry.chunk)] = true; });
      return Promise.all(Object.keys(chunks).map(function (c) {
        return get('search-index/d-' + c + '.json').then(function (docs) { return [c, docs]; });
      })).then(function (loaded) {
        var byChunk = {};
        loaded.forEach(function (l) { byChunk[l[0]] = l[1]; });
        slice.forEach(function (r) {
          var d = byChunk[Math.floor(r.doc / entry.chunk)][r.doc % entry.chunk];
          var li = document.createElement('li');
          var a = document.createElement('a');
          a.href = root + d[1];
          highlight(a, d[0], words, false);
          li.appendChild(a);
          if (d[2]) {
            var trail = document.createElement('p');
            trail.className = 'section';
            trail.textContent = d[2];
            li.appendChild(trail);
          }
          var snip = document.createElement('p');
          snip.className = 'snippet';
          highlight(snip, d[3], words, true);
          li.appendChild(snip);
          results.appendChild(li);
        });
        shown = Math.min(upTo, ranked.length);
        more.hidden = shown >= ranked.length;
      });
    }

    function run(q) {
      results.textContent = '';
      more.hidden = true;
      shown = 0;
      words = queryWords(q, entry.stop);
      if (!words.length) {
        status.textContent = q.trim() ? 'Please type a longer word.' : '';
        return Promise.resolve();
      }
      return Promise.all(words.map(scoresFor)).then(function (per) {
        var total = {}, count = {};
        per.forEach(function (scores) {
          Object.keys(scores).forEach(function (d) {
            total[d] = (total[d] || 0) + scores[d];
            count[d] = (count[d] || 0) + 1;
          });
        });
        var all = Object.keys(total).filter(function (d) { return count[d] === words.length; });
        var some = !all.length && words.length > 1;
        if (some) all = Object.keys(total);
        ranked = all.map(function (d) { return { doc: +d, score: total[d] + (count[d] - 1) * 5 }; })
          .sort(function (x, y) { return y.score - x.score || x.doc - y.doc; });
        var n = ranked.length;
        status.textContent = !n ? 'No results for “' + q.trim() + '”. Try other or fewer words, or browse the questions and answers.'
          : (some ? 'No page has all of these words. ' : '') +
            n + ' result' + (n > 1 ? 's' : '') + ' for “' + q.trim() + '”' + (n > 10 ? ', best first' : '') + '.';
        return render(10);
      });
    }

    function start(q) {
      status.textContent = 'Searching…';
      var ready = entry ? Promise.resolve() : get(base.slice(root.length)).then(function (e) { entry = e; });
      ready.then(function () { return run(q); })
        .catch(function () { status.textContent = 'Search is not available here.'; });
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var q = input.value;
      /* The address holds the query, so a search can be linked and the back
         button finds it again. */
      history.replaceState(null, '', q.trim() ? '?q=' + encodeURIComponent(q) : location.pathname);
      start(q);
    });
    more.addEventListener('click', function () { render(shown + 10); });
    var q = new URLSearchParams(location.search).get('q');
    if (q) { input.value = q; start(q); }
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

  function init() {
    supporterFilters();
    search();
    errorSummary();
    kioskIdle();
    returnHome();
    printTargets();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
