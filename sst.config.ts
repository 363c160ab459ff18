/// <reference path="./.sst/platform/config.d.ts" />

// The SST app: `sst deploy --stage <stage>` creates everything in infra/.
// Settings come from the deploying environment (and `.env`), secrets from
// `sst secret set`; see "Deploying to AWS" in the README.

/** Stages whose resources survive `sst remove` and that refuse it. */
const productionStages = ["production"];

export default $config({
  app(input) {
    const production = productionStages.includes(input.stage);
    return {
      name: "axumkit-worker",
      home: "aws",
      removal: production ? "retain" : "remove",
      protect: production,
      providers: {
        aws: { region: (process.env.AWS_REGION ?? "us-east-1") as aws.Region },
      },
    };
  },
  async run() {
    const { deployApp } = await import("./infra/index.ts");
    return deployApp(process.env);
  },
});
