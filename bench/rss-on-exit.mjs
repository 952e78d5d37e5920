// Preloaded into a benchmarked process (`node --import bench/rss-on-exit.mjs ...`): prints its peak RSS to stderr
// when it exits, for bench/memory-1gib.ts.
process.on('exit', () => {
  process.stderr.write(`DD_MAX_RSS_KIB ${process.resourceUsage().maxRSS}\n`);
});
