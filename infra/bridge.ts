import { bridgeCommand } from "../lib/bridge/node-command.ts";
import { type SecretName, secretVariables } from "../lib/config/source.ts";
import { functionNameVariable } from "../lib/invoke/lambda-config.ts";
import { type JobTypeName, jobCatalogue } from "../lib/jobs/catalogue.ts";
import type { Secrets } from "./secrets.ts";
import type { DeploySettings } from "./settings.ts";

/**
 * How long the bridge's invoke client waits beyond a function's timeout.
 * A function's timeout plus this margin must stay below `ack_wait`.
 */
export const invokeTimeoutMarginMs = 5_000;

/** The NATS secrets the bridge may get, as container variables from SSM. */
const natsSecretNames: SecretName[] = ["NatsToken", "NatsUser", "NatsPassword"];

export interface Bridge {
  vpc: sst.aws.Vpc;
  cluster: sst.aws.Cluster;
  service: sst.aws.Service;
}

/**
 * Runs the bridge on Fargate: one small task at least, more as CPU rises.
 * It reaches NATS and the Lambda API from public subnets, so the VPC needs
 * no NAT gateway. It is linked to the job functions only, which grants
 * `lambda:InvokeFunction` on exactly those functions.
 */
export function createBridge(
  settings: DeploySettings,
  secrets: Secrets,
  jobFunctions: Record<JobTypeName, sst.aws.Function>,
): Bridge {
  checkTimeoutOrder(settings);

  const vpc = new sst.aws.Vpc("BridgeVpc");
  const cluster = new sst.aws.Cluster("BridgeCluster", { vpc });
  const parameters = natsParameters(secrets);
  const executionPolicies = readParametersPolicies(
    parameters.map(({ parameter }) => parameter.arn),
  );
  const { bridge } = settings;

  const service = new sst.aws.Service("Bridge", {
    cluster,
    architecture: "arm64",
    cpu: "0.25 vCPU",
    memory: "0.5 GB",
    capacity: bridge.spot ? "spot" : undefined,
    scaling: {
      min: 1,
      max: bridge.maxTasks,
      cpuUtilization: bridge.cpuTarget,
      memoryUtilization: false,
    },
    image: bridge.image ?? { context: ".", dockerfile: "Dockerfile" },
    command: bridgeCommand,
    environment: bridgeEnvironment(settings, jobFunctions),
    ssm: Object.fromEntries(
      parameters.map(({ variable, parameter }) => [variable, parameter.arn]),
    ),
    link: Object.values(jobFunctions),
    health: {
      command: ["CMD", "node", "-e", healthProbe(bridge.healthPort)],
      startPeriod: "30 seconds",
      interval: "30 seconds",
      timeout: "5 seconds",
      retries: 3,
    },
    transform: {
      // SST's default execution role may read every SSM parameter.
      executionRole: (args) => {
        args.inlinePolicies = executionPolicies;
      },
    },
  });

  return { vpc, cluster, service };
}

/** Builds the bridge's plain variables: names and endpoints, never a secret. */
function bridgeEnvironment(
  settings: DeploySettings,
  jobFunctions: Record<JobTypeName, sst.aws.Function>,
): Record<string, $util.Input<string>> {
  const environment: Record<string, $util.Input<string>> = {
    ...settings.bridge.variables,
    BRIDGE_INVOKER: "lambda",
    NATS_URL: settings.natsUrl,
    LAMBDA_REGION: settings.region,
    LAMBDA_INVOKE_TIMEOUT_MARGIN_MS: String(invokeTimeoutMarginMs),
    HEALTH_PORT: String(settings.bridge.healthPort),
  };
  for (const [jobType, fn] of Object.entries(jobFunctions)) {
    environment[functionNameVariable(jobType as JobTypeName)] = fn.name;
  }
  return environment;
}

/**
 * Copies each NATS secret into an SSM SecureString parameter, which ECS
 * hands to the container as a variable, because a linked secret would be
 * a plain variable of the task definition.
 */
function natsParameters(secrets: Secrets) {
  return natsSecretNames.flatMap((name) => {
    const found = secrets[name];
    if (found === undefined) return [];

    const parameter = new aws.ssm.Parameter(`Bridge${name}Parameter`, {
      name: $interpolate`/${$app.name}/${$app.stage}/bridge/${name}`,
      type: "SecureString",
      value: found.value,
    });
    return [{ variable: secretVariables[name], parameter }];
  });
}

/** Lets ECS read the bridge's parameters and nothing else in SSM. */
function readParametersPolicies(arns: $util.Output<string>[]) {
  if (arns.length === 0) return [];

  const document = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["ssm:GetParameters"], Resource: arns },
    ],
  };
  return [{ name: "read-nats-parameters", policy: $jsonStringify(document) }];
}

/** Builds a container health check that passes when `/healthz` returns 2xx. */
function healthProbe(port: number): string {
  return [
    `fetch("http://127.0.0.1:${port}/healthz")`,
    ".then((response) => process.exit(response.ok ? 0 : 1))",
    ".catch(() => process.exit(1))",
  ].join("");
}

/**
 * Fails the deploy unless every job function's timeout is below the
 * bridge's invoke timeout and that is below `ack_wait`: a job must end, or
 * be given up, before the server hands it to another bridge task.
 */
function checkTimeoutOrder(settings: DeploySettings): void {
  for (const jobType of Object.values(jobCatalogue)) {
    const functionTimeoutMs = jobType.timeoutSeconds * 1_000;
    const invokeTimeoutMs = functionTimeoutMs + invokeTimeoutMarginMs;
    if (invokeTimeoutMs >= settings.bridge.ackWaitMs) {
      throw new Error(
        `${jobType.name}: function timeout ${functionTimeoutMs} ms plus invoke margin ${invokeTimeoutMarginMs} ms must be below ACK_WAIT_MS ${settings.bridge.ackWaitMs}`,
      );
    }
  }
}
