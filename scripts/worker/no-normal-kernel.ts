/**
 * The Worker build's stand-in for src/risk/normal-kernel-wasm.ts (wrangler.toml `[alias]`).
 * Cloudflare Workers do not compile WebAssembly from bytes at run time, so there the kernel's
 * bytes were dead weight (about 1.5 KiB gzip): with no bytes, `new WebAssembly.Module` throws, as
 * it does with the real bytes in workerd, and NormalBuffer runs its JS kernels (the same numbers,
 * bit for bit). Node (`npm start`, the tests) imports the real module.
 */

/** No module bytes: the Monte Carlo runs the JS kernels. */
export const NORMAL_KERNEL_WASM = new Uint8Array(0)
