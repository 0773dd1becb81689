import { ClickflowError } from './ClickflowError.js';

/**
 * A bad option, flag or configuration value. The message names the option, the value
 * it got, and what it accepts, so that the user can fix it without reading the code.
 */
export class ConfigError extends ClickflowError {
  override readonly name = 'ConfigError';
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}
