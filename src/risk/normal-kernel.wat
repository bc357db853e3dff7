;; The normal-draw kernels of src/risk/random.ts (Rng.addNormals / Rng.fillNormal) in WebAssembly,
;; operation for operation: xoshiro128** 1.1, the 256-layer ziggurat's fast test on the float value
;; (|z| < xn[i]), a branch-free store, the slow-path draws listed during the pass and redone after
;; it in index order ($slow: Marsaglia's tail and the wedges, with JS's own Math.log and, where a
;; near-exact exp cannot decide a wedge test, JS's own Math.exp imported: so the numbers are those
;; of the JS kernels bit for bit). Compiled to src/risk/normal-kernel-wasm.ts by
;; scripts/build-normal-kernel.ts (wat2wasm from wabt); test/unit/risk/normal-kernel.test.ts checks
;; the bytes against this source when wat2wasm is installed, and the draws against the JS kernels.
;;
;; Memory (bytes): wn f64[256] @0, xn f64[256] @2048, fn f64[256] @4096, state i32[4] @6144
;; (s0..s3), slow list i32[2 * 4096] @8192 (pairs: index in the pass, raw draw), slowX f64[4096]
;; @40960 (the value before a slow draw's update), values f64[] @73728 (the caller's buffer: for corrStep,
;; the normals, the log multipliers and the rows).
(module
  (import "m" "exp" (func $exp (param f64) (result f64)))
  (import "m" "log" (func $log (param f64) (result f64)))
  (memory (export "memory") 2)

  ;; One raw xoshiro128** draw from the state in memory (the slow path's draws).
  (func $next (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $r i32) (local $t i32)
    (local.set $s0 (i32.load (i32.const 6144)))
    (local.set $s1 (i32.load (i32.const 6148)))
    (local.set $s2 (i32.load (i32.const 6152)))
    (local.set $s3 (i32.load (i32.const 6156)))
    (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
    (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
    (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
    (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
    (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
    (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
    (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
    (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
    (i32.store (i32.const 6144) (local.get $s0))
    (i32.store (i32.const 6148) (local.get $s1))
    (i32.store (i32.const 6152) (local.get $s2))
    (i32.store (i32.const 6156) (local.get $s3))
    (local.get $r))

  ;; exp(t) for t in [-7, 0] to a relative error below 2e-7: t = k ln2 + r (|r| <= ln2 / 2),
  ;; Taylor polynomial of degree 6 in r (remainder |r|^7 / 7! e^|r| < 1.7e-7), times 2^k.
  (func $expNear (param $t f64) (result f64)
    (local $k f64) (local $r f64)
    (local.set $k (f64.nearest (f64.mul (local.get $t) (f64.const 1.4426950408889634))))
    (local.set $r (f64.sub (local.get $t) (f64.mul (local.get $k) (f64.const 0.6931471805599453))))
    (f64.mul
      (f64.add (f64.const 1) (f64.mul (local.get $r)
      (f64.add (f64.const 1) (f64.mul (local.get $r)
      (f64.add (f64.const 0.5) (f64.mul (local.get $r)
      (f64.add (f64.const 0.16666666666666666) (f64.mul (local.get $r)
      (f64.add (f64.const 0.041666666666666664) (f64.mul (local.get $r)
      (f64.add (f64.const 0.008333333333333333) (f64.mul (local.get $r) (f64.const 0.001388888888888889)))))))))))))
      (f64.reinterpret_i64 (i64.shl (i64.add (i64.trunc_f64_s (local.get $k)) (i64.const 1023)) (i64.const 52)))))

  ;; Rng.normalSlow for the raw draw r: the tail beyond R (layer 0) or a wedge, redrawing as needed.
  (func $slow (param $r i32) (result f64)
    (local $i i32) (local $j i32) (local $x f64) (local $tx f64) (local $ty f64) (local $u i32)
    (local $y f64) (local $t f64) (local $e f64)
    (local.set $i (i32.and (local.get $r) (i32.const 255)))
    (local.set $j (i32.shr_s (local.get $r) (i32.const 8)))
    (loop $again
      (local.set $x (f64.mul (f64.convert_i32_s (local.get $j)) (f64.load (i32.shl (local.get $i) (i32.const 3)))))
      (if (i32.eqz (local.get $i))
        (then
          (loop $tail
            (local.set $tx (f64.div (f64.neg (call $log (f64.mul (f64.add (f64.convert_i32_u (call $next)) (f64.const 0.5)) (f64.const 0x1p-32)))) (f64.const 3.654152885361009)))
            (local.set $ty (f64.neg (call $log (f64.mul (f64.add (f64.convert_i32_u (call $next)) (f64.const 0.5)) (f64.const 0x1p-32)))))
            (br_if $tail (f64.lt (f64.add (local.get $ty) (local.get $ty)) (f64.mul (local.get $tx) (local.get $tx)))))
          (return (select
            (f64.add (f64.const 3.654152885361009) (local.get $tx))
            (f64.sub (f64.const -3.654152885361009) (local.get $tx))
            (i32.gt_s (local.get $j) (i32.const 0))))))
      ;; FN[i] + nextFloat() * (FN[i - 1] - FN[i]) < exp(-0.5 x x): accept x. The comparison is
      ;; made against $expNear (relative error < 2e-7) unless the two sides are within 1e-6 of
      ;; each other, where JS's Math.exp decides: the same decision as Math.exp every time.
      (local.set $y
        (f64.add
          (f64.load offset=4096 (i32.shl (local.get $i) (i32.const 3)))
          (f64.mul
            (f64.mul (f64.convert_i32_u (call $next)) (f64.const 0x1p-32))
            (f64.sub
              (f64.load offset=4088 (i32.shl (local.get $i) (i32.const 3)))
              (f64.load offset=4096 (i32.shl (local.get $i) (i32.const 3)))))))
      (local.set $t (f64.mul (f64.mul (f64.const -0.5) (local.get $x)) (local.get $x)))
      (local.set $e (call $expNear (local.get $t)))
      (if (f64.le (f64.abs (f64.sub (local.get $y) (local.get $e))) (f64.mul (local.get $e) (f64.const 1e-6)))
        (then (local.set $e (call $exp (local.get $t)))))
      (if (f64.lt (local.get $y) (local.get $e))
        (then (return (local.get $x))))
      (local.set $u (call $next))
      (local.set $i (i32.and (local.get $u) (i32.const 255)))
      (local.set $j (i32.shr_s (local.get $u) (i32.const 8)))
      (local.set $x (f64.mul (f64.convert_i32_s (local.get $j)) (f64.load (i32.shl (local.get $i) (i32.const 3)))))
      (if (f64.lt (f64.abs (local.get $x)) (f64.load offset=2048 (i32.shl (local.get $i) (i32.const 3))))
        (then (return (local.get $x))))
      (br $again))
    (unreachable))

  ;; values[off + k] = values[off + k] + a + b * z_k for k < count (byte offset off, count <= 4096:
  ;; one pass); returns twice the number of slow-path draws.
  (func $add (export "add") (param $off i32) (param $count i32) (param $a f64) (param $b f64) (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $r i32) (local $t i32)
    (local $k i32) (local $ns i32) (local $i i32) (local $z f64) (local $old f64) (local $p i32) (local $q i32)
    (local.set $s0 (i32.load (i32.const 6144)))
    (local.set $s1 (i32.load (i32.const 6148)))
    (local.set $s2 (i32.load (i32.const 6152)))
    (local.set $s3 (i32.load (i32.const 6156)))
    ;; four draws per pass of the loop (the same draws in the same order), then the rest one by one
    (local.set $p (local.get $off))
    (block $done
      (br_if $done (i32.lt_s (local.get $count) (i32.const 4)))
      (loop $l
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (local.set $old (f64.load offset=0 (local.get $p)))
        (f64.store offset=0 (local.get $p) (f64.add (f64.add (local.get $old) (local.get $a)) (f64.mul (local.get $b) (local.get $z))))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 0)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (f64.store offset=40960 (i32.shl (i32.shr_u (local.get $ns) (i32.const 1)) (i32.const 3)) (local.get $old))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (local.set $old (f64.load offset=8 (local.get $p)))
        (f64.store offset=8 (local.get $p) (f64.add (f64.add (local.get $old) (local.get $a)) (f64.mul (local.get $b) (local.get $z))))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 1)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (f64.store offset=40960 (i32.shl (i32.shr_u (local.get $ns) (i32.const 1)) (i32.const 3)) (local.get $old))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (local.set $old (f64.load offset=16 (local.get $p)))
        (f64.store offset=16 (local.get $p) (f64.add (f64.add (local.get $old) (local.get $a)) (f64.mul (local.get $b) (local.get $z))))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 2)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (f64.store offset=40960 (i32.shl (i32.shr_u (local.get $ns) (i32.const 1)) (i32.const 3)) (local.get $old))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (local.set $old (f64.load offset=24 (local.get $p)))
        (f64.store offset=24 (local.get $p) (f64.add (f64.add (local.get $old) (local.get $a)) (f64.mul (local.get $b) (local.get $z))))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 3)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (f64.store offset=40960 (i32.shl (i32.shr_u (local.get $ns) (i32.const 1)) (i32.const 3)) (local.get $old))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br_if $l (i32.le_s (i32.add (local.get $k) (i32.const 4)) (local.get $count)))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_s (local.get $k) (local.get $count)))
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (local.set $old (f64.load offset=0 (local.get $p)))
        (f64.store offset=0 (local.get $p) (f64.add (f64.add (local.get $old) (local.get $a)) (f64.mul (local.get $b) (local.get $z))))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 0)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (f64.store offset=40960 (i32.shl (i32.shr_u (local.get $ns) (i32.const 1)) (i32.const 3)) (local.get $old))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $tail)))
    (i32.store (i32.const 6144) (local.get $s0))
    (i32.store (i32.const 6148) (local.get $s1))
    (i32.store (i32.const 6152) (local.get $s2))
    (i32.store (i32.const 6156) (local.get $s3))
    ;; the slow-path draws, in index order, from the stream where the pass left it
    (local.set $q (i32.const 0))
    (block $fixed
      (loop $f
        (br_if $fixed (i32.ge_s (local.get $q) (local.get $ns)))
        (local.set $p (i32.add (local.get $off) (i32.shl (i32.load offset=8192 (i32.shl (local.get $q) (i32.const 2))) (i32.const 3))))
        (local.set $z (call $slow (i32.load offset=8196 (i32.shl (local.get $q) (i32.const 2)))))
        (f64.store (local.get $p)
          (f64.add (f64.add (f64.load offset=40960 (i32.shl (i32.shr_u (local.get $q) (i32.const 1)) (i32.const 3))) (local.get $a))
                   (f64.mul (local.get $b) (local.get $z))))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $f)))
    (local.get $ns))

  ;; values[off + k] = z_k for k < count (count <= 4096: one pass); returns twice the slow-path draws.
  (func $fill (export "fill") (param $off i32) (param $count i32) (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $r i32) (local $t i32)
    (local $k i32) (local $ns i32) (local $i i32) (local $z f64) (local $q i32) (local $p i32)
    (local.set $s0 (i32.load (i32.const 6144)))
    (local.set $s1 (i32.load (i32.const 6148)))
    (local.set $s2 (i32.load (i32.const 6152)))
    (local.set $s3 (i32.load (i32.const 6156)))
    ;; four draws per pass of the loop (the same draws in the same order), then the rest one by one
    (local.set $p (local.get $off))
    (block $done
      (br_if $done (i32.lt_s (local.get $count) (i32.const 4)))
      (loop $l
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (f64.store offset=0 (local.get $p) (local.get $z))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 0)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (f64.store offset=8 (local.get $p) (local.get $z))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 1)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (f64.store offset=16 (local.get $p) (local.get $z))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 2)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (f64.store offset=24 (local.get $p) (local.get $z))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 3)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br_if $l (i32.le_s (i32.add (local.get $k) (i32.const 4)) (local.get $count)))))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_s (local.get $k) (local.get $count)))
        (local.set $r (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
        (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
        (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
        (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
        (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
        (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
        (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $i (i32.shl (i32.and (local.get $r) (i32.const 255)) (i32.const 3)))
        (local.set $z (f64.mul (f64.convert_i32_s (i32.shr_s (local.get $r) (i32.const 8))) (f64.load (local.get $i))))
        (f64.store offset=0 (local.get $p) (local.get $z))
        (if (f64.ge (f64.abs (local.get $z)) (f64.load offset=2048 (local.get $i)))
          (then
            (i32.store offset=8192 (i32.shl (local.get $ns) (i32.const 2)) (i32.add (local.get $k) (i32.const 0)))
            (i32.store offset=8196 (i32.shl (local.get $ns) (i32.const 2)) (local.get $r))
            (local.set $ns (i32.add (local.get $ns) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $tail)))
    (i32.store (i32.const 6144) (local.get $s0))
    (i32.store (i32.const 6148) (local.get $s1))
    (i32.store (i32.const 6152) (local.get $s2))
    (i32.store (i32.const 6156) (local.get $s3))
    (local.set $q (i32.const 0))
    (block $fixed
      (loop $f
        (br_if $fixed (i32.ge_s (local.get $q) (local.get $ns)))
        (f64.store
          (i32.add (local.get $off) (i32.shl (i32.load offset=8192 (i32.shl (local.get $q) (i32.const 2))) (i32.const 3)))
          (call $slow (i32.load offset=8196 (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $f)))
    (local.get $ns))

  ;; `steps` passes of add over the same values (a path block's whole horizon in one call).
  (func (export "addSteps") (param $off i32) (param $count i32) (param $steps i32) (param $a f64) (param $b f64)
    (block $done
      (loop $l
        (br_if $done (i32.le_s (local.get $steps) (i32.const 0)))
        (drop (call $add (local.get $off) (local.get $count) (local.get $a) (local.get $b)))
        (local.set $steps (i32.sub (local.get $steps) (i32.const 1)))
        (br $l))))

  ;; One correlated step of a block of `count` paths on `n` assets (the stream layout of
  ;; runMonteCarlo's Stepper): the normals of asset 0 (fill at zOff), then of asset 1 (at zOff +
  ;; stride), ...; then, per asset i and path p, x_i[p] = x_i[p] + mean_i + c z[p] for row i's
  ;; terms in order, each addition rounded to f64 (so the sums of one JS pass per term, bit for
  ;; bit); paths past count up to the next even one are written too (the arrays hold them).
  ;; Row i's terms are starts[i] .. starts[i + 1] - 1 (i32 arrays at byte offset $starts,
  ;; $zcols: the term's column as a byte offset from $zOff), coefficients f64 at $coefs, means f64
  ;; at $means; x_i is at $xOff + i * stride. Byte offsets; count <= 4096.
  (func (export "corrStep") (param $n i32) (param $count i32) (param $stride i32) (param $zOff i32)
    (param $xOff i32) (param $starts i32) (param $coefs i32) (param $zcols i32) (param $means i32)
    (local $i i32) (local $p i32) (local $q i32) (local $q0 i32) (local $q1 i32) (local $xp i32)
    (local $zp i32) (local $end i32) (local $va v128) (local $vc v128)
    (block $filled
      (loop $f
        (br_if $filled (i32.ge_s (local.get $i) (local.get $n)))
        (drop (call $fill (i32.add (local.get $zOff) (i32.mul (local.get $i) (local.get $stride))) (local.get $count)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $f)))
    (local.set $i (i32.const 0))
    ;; Rows two paths at a time (f64x2: each lane rounds as the scalar operations), count rounded
    ;; up to even (<= stride): x = (x + mean) + c0 z0, then x = x + c z per further term, in order.
    (local.set $end (i32.shl (i32.and (i32.add (local.get $count) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (block $rows
      (loop $row
        (br_if $rows (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $va (f64x2.splat (f64.load (i32.add (local.get $means) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $q0 (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $q1 (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $xp (i32.add (local.get $xOff) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $vc (f64x2.splat (f64.load (i32.add (local.get $coefs) (i32.shl (local.get $q0) (i32.const 3))))))
        (local.set $p (i32.const 0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_s (local.get $p) (local.get $end)))
          (v128.store (i32.add (local.get $xp) (local.get $p))
            (f64x2.add (f64x2.add (v128.load (i32.add (local.get $xp) (local.get $p))) (local.get $va))
              (f64x2.mul (local.get $vc) (v128.load (i32.add (local.get $zOff) (local.get $p))))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $l1)))
        (local.set $q (i32.add (local.get $q0) (i32.const 1)))
        (block $dt (loop $lt
          (br_if $dt (i32.ge_s (local.get $q) (local.get $q1)))
          (local.set $vc (f64x2.splat (f64.load (i32.add (local.get $coefs) (i32.shl (local.get $q) (i32.const 3))))))
          (local.set $zp (i32.add (local.get $zOff) (i32.load (i32.add (local.get $zcols) (i32.shl (local.get $q) (i32.const 2))))))
          (local.set $p (i32.const 0))
          (block $d2 (loop $l2
            (br_if $d2 (i32.ge_s (local.get $p) (local.get $end)))
            (v128.store (i32.add (local.get $xp) (local.get $p))
              (f64x2.add (v128.load (i32.add (local.get $xp) (local.get $p)))
                (f64x2.mul (local.get $vc) (v128.load (i32.add (local.get $zp) (local.get $p))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $l2)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $lt)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row)))
  )

  ;; The liquidation monitor's box check of a block (src/risk/mc-monitor.ts), two paths per SIMD
  ;; lane pair: marks each path p < count with x_i[p] < lo_i[p] or x_i[p] > hi_i[p] for some asset
  ;; i < n (x_i at $xOff + i * stride, lo_i and hi_i likewise), or with x_a[p] - x_b[p] <
  ;; pairLo_g[p] for some pair g < G (the pairs' asset byte offsets (a, b) relative to $xOff as
  ;; i32 pairs at $pairs, pairLo_g at $pairLo + g * stride), then writes the marked paths in
  ;; ascending order as i32 at $out and returns how many. $marks (i64 per path, zero on entry) is
  ;; left zeroed. The arrays hold an even number of paths >= count (lanes past count are ignored).
  (func (export "check") (param $n i32) (param $count i32) (param $stride i32) (param $xOff i32)
    (param $lo i32) (param $hi i32) (param $G i32) (param $pairs i32) (param $pairLo i32)
    (param $marks i32) (param $out i32) (result i32)
    (local $i i32) (local $p i32) (local $xp i32) (local $lp i32) (local $hp i32) (local $ap i32)
    (local $bp i32) (local $b i32) (local $x v128) (local $nf i32) (local $mp i32) (local $end i32)
    (local $m v128)
    (local.set $end (i32.shl (i32.and (i32.add (local.get $count) (i32.const 1)) (i32.const -2)) (i32.const 3)))
    (block $assets
      (loop $asset
        (br_if $assets (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $b (i32.mul (local.get $i) (local.get $stride)))
        (local.set $xp (i32.add (local.get $xOff) (local.get $b)))
        (local.set $lp (i32.add (local.get $lo) (local.get $b)))
        (local.set $hp (i32.add (local.get $hi) (local.get $b)))
        (local.set $p (i32.const 0))
        (block $d (loop $l
          (br_if $d (i32.ge_s (local.get $p) (local.get $end)))
          (local.set $x (v128.load (i32.add (local.get $xp) (local.get $p))))
          (local.set $mp (i32.add (local.get $marks) (local.get $p)))
          (v128.store (local.get $mp) (v128.or (v128.load (local.get $mp))
            (v128.or (f64x2.lt (local.get $x) (v128.load (i32.add (local.get $lp) (local.get $p))))
                     (f64x2.gt (local.get $x) (v128.load (i32.add (local.get $hp) (local.get $p)))))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $asset)))
    (local.set $i (i32.const 0))
    (block $gs
      (loop $g
        (br_if $gs (i32.ge_s (local.get $i) (local.get $G)))
        (local.set $ap (i32.add (local.get $xOff) (i32.load (i32.add (local.get $pairs) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $bp (i32.add (local.get $xOff) (i32.load offset=4 (i32.add (local.get $pairs) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $lp (i32.add (local.get $pairLo) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $p (i32.const 0))
        (block $d (loop $l
          (br_if $d (i32.ge_s (local.get $p) (local.get $end)))
          (local.set $mp (i32.add (local.get $marks) (local.get $p)))
          (v128.store (local.get $mp) (v128.or (v128.load (local.get $mp))
            (f64x2.lt
              (f64x2.sub (v128.load (i32.add (local.get $ap) (local.get $p))) (v128.load (i32.add (local.get $bp) (local.get $p))))
              (v128.load (i32.add (local.get $lp) (local.get $p))))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $g)))
    (local.set $p (i32.const 0))
    (block $d (loop $l
      (br_if $d (i32.ge_s (local.get $p) (local.get $end)))
      (local.set $mp (i32.add (local.get $marks) (local.get $p)))
      (local.set $m (v128.load (local.get $mp)))
      (if (v128.any_true (local.get $m))
        (then
          (v128.store (local.get $mp) (v128.const i64x2 0 0))
          (if (i32.and (i64.ne (i64x2.extract_lane 0 (local.get $m)) (i64.const 0))
                       (i32.lt_s (i32.shr_u (local.get $p) (i32.const 3)) (local.get $count)))
            (then
              (i32.store (i32.add (local.get $out) (i32.shl (local.get $nf) (i32.const 2))) (i32.shr_u (local.get $p) (i32.const 3)))
              (local.set $nf (i32.add (local.get $nf) (i32.const 1)))))
          (if (i32.and (i64.ne (i64x2.extract_lane 1 (local.get $m)) (i64.const 0))
                       (i32.lt_s (i32.add (i32.shr_u (local.get $p) (i32.const 3)) (i32.const 1)) (local.get $count)))
            (then
              (i32.store (i32.add (local.get $out) (i32.shl (local.get $nf) (i32.const 2))) (i32.add (i32.shr_u (local.get $p) (i32.const 3)) (i32.const 1)))
              (local.set $nf (i32.add (local.get $nf) (i32.const 1)))))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (local.get $nf))
)
