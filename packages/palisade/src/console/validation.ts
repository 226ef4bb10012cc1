// Input rules shared by the console's routes and the CLI.
const USERNAME = /^[A-Za-z0-9._@:+-]{1,128}$/;

/** Console usernames: 1 to 128 letters, digits or . _ @ : + - (the store enforces the same rule). */
export function validUsername(u: unknown): u is string {
  return typeof u === 'string' && USERNAME.test(u);
}
