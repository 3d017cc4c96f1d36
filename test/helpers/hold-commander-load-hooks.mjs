import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let marker;
let held = false;

export function initialize(data) {
  marker = data?.marker;
}

/** The first load of a commander module: says so (the marker file), then waits 5 s before loading it. */
export async function load(url, context, nextLoad) {
  if (!held && url.includes('/node_modules/commander/')) {
    held = true;
    if (marker) writeFileSync(marker, url);
    await sleep(5_000);
  }
  return nextLoad(url, context);
}
