// Acme Slack bot: relays deploy notices and answers /oncall.
const { App } = require("@slack/bolt");

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
});

app.command("/oncall", async ({ ack, respond }) => {
  await ack();
  await respond("Platform on-call this week: @dan-weiss");
});

app.message(/deploy (\S+) finished/, async ({ context, say }) => {
  await say(`:rocket: ${context.matches[1]} is live`);
});

(async () => {
  await app.start(Number(process.env.PORT || 3000));
  console.log("slack-bot listening");
})();
