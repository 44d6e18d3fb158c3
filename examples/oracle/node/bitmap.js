#!/usr/bin/env node
// A page allocator that is not a buddy allocator, in JavaScript, speaking mmspec-oracle/1 on
// stdin/stdout so that `mmspec oracle --exec "node bitmap.js"` checks it (README.md, "The oracle").
//
// It keeps one bit per page and serves an allocation of order o from the lowest free range of
// 2^o pages aligned to 2^o (first fit), so it never splits or merges anything. It does not claim
// buddy semantics: its snapshot lists every free page as a block of order 0, which no buddy
// allocator would do, and the oracle checks it for everything but maximal merging. It refuses
// bad frees, and supports reset, so one process serves a whole run.
'use strict';

const readline = require('readline');

let pages = 0;
let maxOrder = 0;
let used = null;        // Uint8Array: 1 when the page is allocated
let allocated = null;   // Map pfn -> order of live allocations

function configure(n, mo) {
  if (!Number.isInteger(n) || n < 1 || n > (1 << 22) || !Number.isInteger(mo) || mo < 0 || mo > 30) return false;
  pages = n;
  maxOrder = mo;
  used = new Uint8Array(n);
  allocated = new Map();
  return true;
}

function alloc(order) {
  const size = 2 ** order;
  for (let p = 0; p + size <= pages; p += size) {
    let free = true;
    for (let q = p; q < p + size; q++) if (used[q]) { free = false; break; }
    if (free) {
      used.fill(1, p, p + size);
      allocated.set(p, order);
      return p;
    }
  }
  return -1;
}

function free(pfn, order) {
  if (allocated.get(pfn) !== order) return allocated.has(pfn) ? 'wrong order' : 'pfn heads no allocation';
  allocated.delete(pfn);
  used.fill(0, pfn, pfn + 2 ** order);
  return null;
}

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    answer({ ok: false, error: 'not JSON' });
    return;
  }
  switch (req.op) {
    case 'hello':
      answer({ ok: true, protocol: 'mmspec-oracle/1', name: 'node-bitmap (first fit, not a buddy)',
               buddy: false, snapshot: true, rejects_bad_frees: true, reset: true });
      break;
    case 'configure':
      answer(configure(req.pages, req.max_order) ? { ok: true } : { ok: false, error: 'pages 1..2^22, max_order 0..30' });
      break;
    case 'alloc': {
      const p = Number.isInteger(req.order) && req.order >= 0 && req.order <= maxOrder ? alloc(req.order) : -1;
      answer(p < 0 ? { ok: false } : { ok: true, pfn: p });
      break;
    }
    case 'free': {
      const err = free(req.pfn, req.order);
      answer(err ? { ok: false, error: err } : { ok: true });
      break;
    }
    case 'snapshot': {
      const blocks = [];
      for (let p = 0; p < pages; p++) if (!used[p]) blocks.push([p, 0]);
      answer({ ok: true, free_blocks: blocks });
      break;
    }
    case 'reset':
      used = null;
      allocated = null;
      answer({ ok: true });
      break;
    case 'bye':
      rl.close();
      break;
    default:
      answer({ ok: false, error: 'unknown op ' + req.op });
  }
});
