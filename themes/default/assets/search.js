/* peerkit default theme: the search page (loaded there only). The index is
   generator/search.c's: an entry file, shards of terms by their first two
   characters, and chunks of documents; a search fetches the entry, the
   shards of its words and the chunks of the results it shows. Without
   JavaScript the page says search needs it. */
(function () {
  'use strict';

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

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', search);
  else search();
})();
