/** The installer image's entry point (installer/Dockerfile): run the extractor with our arguments. */
import { main } from './main.js';

await main(process.argv.slice(2));
