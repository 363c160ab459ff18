import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Returns a TCP port on loopback that nothing listens on.
 *
 * The port comes from below the kernel's ephemeral range. A port that
 * `listen(0)` hands out can be taken by the next outgoing connection
 * before the server meant to get it binds it, and a local server restarted
 * on its old port meets the same race. Falls back to an ephemeral port
 * when no tried port is free.
 */
export async function freePort(): Promise<number> {
  const [low, high] = portsBelowEphemeralRange();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  return listenOnAnyPort();
}

/** Returns the port range below Linux's ephemeral ports, or 20000-32767. */
function portsBelowEphemeralRange(): [number, number] {
  const fallback: [number, number] = [20_000, 32_767];
  try {
    const text = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
    const ephemeralLow = Number(text.trim().split(/\s+/)[0]);
    if (!Number.isInteger(ephemeralLow) || ephemeralLow < 12_000) {
      return fallback;
    }
    return [10_000, ephemeralLow - 1];
  } catch {
    return fallback;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => {
      server.close(() => resolve(true));
    });
  });
}

function listenOnAnyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port =
        typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on the port. */
export async function isPortOpen(
  port: number,
  host = "127.0.0.1",
): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
