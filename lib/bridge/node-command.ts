/**
 * The command that starts the bridge, shared by the container image, the
 * SST service, the npm script and the memory benchmark.
 *
 * `--max-semi-space-size=4` caps each of V8's two young-generation
 * semi-spaces at 4 MiB. Without it, V8 doubles them during a long drain,
 * because each batch stays alive across its ack round trip. Peak RSS then
 * grows with the backlog: about 119 MiB at 10k jobs and 135 MiB at 100k in
 * `npm run bench:bridge` on a 2-core machine. With the cap, memory stays
 * flat and throughput did not drop in the same benchmark.
 */
export const bridgeNodeFlags = ["--max-semi-space-size=4"] as const;

export const bridgeEntry = "bin/bridge.ts";

export const bridgeCommand = ["node", ...bridgeNodeFlags, bridgeEntry];
