// One peak-RSS sample for the bridge benchmark: a fresh process that drains
// a backlog the parent has published, then prints its peak resident set
// size as JSON. The arguments are the bridge config as JSON and the job
// count.
import type { BridgeOptions } from "../../lib/bridge/bridge.ts";
import { drainWithBridge } from "./bridge-drain.ts";

const [configJson, jobsArgument] = process.argv.slice(2);
if (configJson === undefined || jobsArgument === undefined) {
  throw new Error("usage: bridge-rss.ts <config JSON> <jobs>");
}
const config = JSON.parse(configJson) as BridgeOptions["config"];
const jobs = Number(jobsArgument);

const seconds = await drainWithBridge(config, jobs);
// maxRSS is in kibibytes.
const maxRssKb = process.resourceUsage().maxRSS;
console.log(JSON.stringify({ maxRssKb, seconds }));
