// Recording doubles of the SST globals that sst.config.ts and infra/ use.
// Each component records its name and arguments. Outputs are plain strings,
// and a secret's value is "<secret:Name>", so tests can follow every value
// from where it is created to where it ends up.

export interface Recorded {
  type: string;
  name: string;
  args: Record<string, unknown>;
  component: object;
}

export const accountId = "123456789012";

/** Returns the value of a secret double, recognisable wherever it is copied. */
export function secretMarker(name: string): string {
  return `<secret:${name}>`;
}

export interface Permission {
  type: "aws.permission";
  actions: string[];
  resources: string[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** The SST globals with their recorded components. */
export interface SstDoubles {
  recorded: Recorded[];
  globals: Record<string, unknown>;
}

function interpolate(
  strings: TemplateStringsArray,
  ...values: unknown[]
): string {
  return strings.reduce(
    (text, part, index) =>
      text + part + (index < values.length ? String(values[index]) : ""),
    "",
  );
}

export function createSstDoubles(stage: string): SstDoubles {
  const recorded: Recorded[] = [];

  const record = (
    component: object,
    type: string,
    name: string,
    args: unknown = {},
  ) => {
    recorded.push({
      type,
      name,
      args: (args ?? {}) as Record<string, unknown>,
      component,
    });
  };

  class Secret {
    readonly name: string;
    readonly value: string;
    constructor(name: string) {
      this.name = name;
      this.value = secretMarker(name);
      record(this, "sst.Secret", name);
    }
  }

  class Linkable {
    readonly name: string;
    readonly properties: Record<string, unknown>;
    readonly include: Permission[];
    constructor(
      name: string,
      definition: {
        properties: Record<string, unknown>;
        include?: Permission[];
      },
    ) {
      this.name = name;
      this.properties = definition.properties;
      this.include = definition.include ?? [];
      record(this, "sst.Linkable", name, definition);
    }
  }

  class Function {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: Record<string, unknown>) {
      this.name = `${stage}-${name}`;
      this.arn = `arn:aws:lambda:us-east-1:${accountId}:function:${stage}-${name}`;
      record(this, "sst.aws.Function", name, args);
    }
  }

  class Bucket {
    readonly name: string;
    readonly arn: string;
    readonly domain: string;
    constructor(name: string, args: unknown = {}, bucketName?: string) {
      this.name = bucketName ?? `${stage}-${name.toLowerCase()}`;
      this.arn = `arn:aws:s3:::${this.name}`;
      this.domain = `${this.name}.s3.amazonaws.com`;
      if (bucketName === undefined) record(this, "sst.aws.Bucket", name, args);
    }
    static get(name: string, bucketName: string): Bucket {
      const bucket = new Bucket(name, {}, bucketName);
      record(bucket, "sst.aws.Bucket.get", name, { bucketName });
      return bucket;
    }
  }

  class Queue {
    readonly arn: string;
    readonly url: string;
    constructor(name: string, args?: unknown) {
      this.arn = `arn:aws:sqs:us-east-1:${accountId}:${stage}-${name}`;
      this.url = `https://sqs.us-east-1.amazonaws.com/${accountId}/${name}`;
      record(this, "sst.aws.Queue", name, args);
    }
  }

  class Service {
    readonly service: string;
    constructor(name: string, args: Record<string, unknown>) {
      this.service = `${stage}-${name}`;
      record(this, "sst.aws.Service", name, args);
    }
  }

  const simple = (type: string) =>
    class {
      constructor(name: string, args?: unknown) {
        record(this, type, name, args);
      }
    };

  class Parameter {
    readonly arn: string;
    constructor(name: string, args: { name: string }) {
      this.arn = `arn:aws:ssm:us-east-1:${accountId}:parameter${args.name}`;
      record(this, "aws.ssm.Parameter", name, args);
    }
  }

  const globals = {
    $config: (config: unknown) => config,
    $app: { name: "axumkit-worker", stage },
    $interpolate: interpolate,
    $jsonStringify: (value: unknown) => JSON.stringify(value),
    sst: {
      Secret,
      Linkable,
      aws: {
        Function,
        Bucket,
        Queue,
        Service,
        CronV2: simple("sst.aws.CronV2"),
        Vpc: simple("sst.aws.Vpc"),
        Cluster: simple("sst.aws.Cluster"),
        permission: (args: Omit<Permission, "type">) => ({
          type: "aws.permission",
          ...args,
        }),
      },
    },
    aws: {
      getCallerIdentityOutput: () => ({ accountId }),
      ssm: { Parameter },
    },
  };
  return { recorded, globals };
}

/** Installs the doubles as globals until the returned function runs. */
export function installGlobals(globals: Record<string, unknown>): () => void {
  const target = globalThis as Record<string, unknown>;
  const previous = new Map<string, unknown>();
  for (const [name, value] of Object.entries(globals)) {
    previous.set(name, target[name]);
    target[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete target[name];
      else target[name] = value;
    }
  };
}
