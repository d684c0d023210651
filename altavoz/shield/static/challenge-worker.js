/* altavoz: the edge's proof of work, in a Web Worker so the page stays responsive.
   Finds a counter n such that SHA-256(token + n) starts with `bits` zero bits.
   token + n fits one 64-byte block (the edge keeps tokens short), so each try is
   one compression of a single block: plain SHA-256 (FIPS 180-4), no library. */
"use strict";
var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
var W = new Int32Array(64);
var block = new Uint8Array(64);

/* The first word of SHA-256 of the single block in `block`. */
function firstWord() {
  var i, t1, t2, s0, s1;
  for (i = 0; i < 16; i++) {
    W[i] = (block[4 * i] << 24) | (block[4 * i + 1] << 16) | (block[4 * i + 2] << 8) | block[4 * i + 3];
  }
  for (i = 16; i < 64; i++) {
    s0 = W[i - 15]; s1 = W[i - 2];
    W[i] = (((s1 >>> 17) | (s1 << 15)) ^ ((s1 >>> 19) | (s1 << 13)) ^ (s1 >>> 10)) + W[i - 7]
      + (((s0 >>> 7) | (s0 << 25)) ^ ((s0 >>> 18) | (s0 << 14)) ^ (s0 >>> 3)) + W[i - 16] | 0;
  }
  var a = 0x6a09e667, b = 0xbb67ae85 | 0, c = 0x3c6ef372, d = 0xa54ff53a | 0,
      e = 0x510e527f, f = 0x9b05688c | 0, g = 0x1f83d9ab, h = 0x5be0cd19;
  for (i = 0; i < 64; i++) {
    t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))
      + ((e & f) ^ (~e & g)) + K[i] + W[i] | 0;
    t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10)))
      + ((a & b) ^ (a & c) ^ (b & c)) | 0;
    h = g; g = f; f = e; e = d + t1 | 0; d = c; c = b; b = a; a = t1 + t2 | 0;
  }
  return (a + 0x6a09e667) >>> 0;
}

function solve(token, bits) {
  var n, i, digits, length, shift = 32 - bits, start = Date.now(), last = start;
  for (i = 0; i < token.length; i++) block[i] = token.charCodeAt(i);
  for (n = 0; ; n++) {
    digits = String(n);
    length = token.length + digits.length;
    for (i = 0; i < digits.length; i++) block[token.length + i] = digits.charCodeAt(i);
    block[length] = 0x80;
    for (i = length + 1; i < 62; i++) block[i] = 0;
    block[62] = (length * 8) >>> 8; block[63] = (length * 8) & 0xff;
    if ((firstWord() >>> shift) === 0) {
      postMessage({found: digits, tried: n + 1, ms: Date.now() - start});
      return;
    }
    if ((n & 0xffff) === 0xffff && Date.now() - last > 150) {
      last = Date.now();
      postMessage({tried: n + 1});
    }
  }
}

onmessage = function (event) {
  var token = String(event.data.token), bits = event.data.bits | 0;
  if (token.length > 40 || bits < 1 || bits > 32) {
    postMessage({error: "bad challenge"});
    return;
  }
  solve(token, bits);
};
