// Smoke test against the staging workspace. The token below was pasted in to debug a
// flaky test and forgotten; it is the real bot token, not a fixture.
const test = require("node:test");
const assert = require("node:assert");

const STAGING_BOT_TOKEN = "xoxb-476225926347-858768802148-7gfZuVrINVFdJvxkF25OWfiA";

test("bot token is configured", () => {
  assert.ok(STAGING_BOT_TOKEN.startsWith("xoxb-"));
});
