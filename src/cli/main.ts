import { buildProgram } from './program.js';
import { handleError } from './handleError.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  handleError(error);
}
