/**
 * How many ids the plugin's endpoints take at once. Pure (no I/O): the console imports it too.
 *
 * A list of ids is one JSON body; hosts cap request bodies (Vercel's functions at 4.5 MB, a proxy's
 * `client_max_body_size`), and the server holds the list while the run lasts. 100,000 uuids are
 * about 3.9 MB.
 */
export const maxIdsPerRequest = 100_000

/**
 * The console's **Push all** sends a drift list longer than this as consecutive runs of this many ids
 * (about 2 MB of uuids each, well under the body limits above whatever the ids' length).
 */
export const idsPerRun = 50_000
