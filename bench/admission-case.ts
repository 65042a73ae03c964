/** Child process of bench/admission.ts: runs one case cold and prints its figures as JSON. */
import { runCase } from "./admission";

process.stdout.write(JSON.stringify(runCase(Number(process.argv[2]))));
