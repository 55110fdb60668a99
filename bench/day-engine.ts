// The compressed trading day's engine process (bench/day.ts compiles this and runs it on its own,
// as the product's compiled code runs): the whole day, its samples and its lines.
import { runDay } from './day';

await runDay();
process.exit(0);
