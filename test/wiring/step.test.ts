import {
  parseWiringName,
  wiringCommandLine,
  wiringInput,
  wiringResourceName,
  type WiringStep,
} from "../../plan/wiring/step";

const step: WiringStep = {
  app: "sonarr",
  step: "root-folders",
  runsIn: "sonarr",
  script: 'echo "$SONARR_KEY" >/dev/null',
  secrets: ["SONARR_KEY"],
  calls: [],
};

describe("a wiring step", () => {
  it("is listed in the preview as <app>-wire-<step>", () => {
    expect(wiringResourceName(step)).toBe("sonarr-wire-root-folders");
  });

  it("is told apart from other resources by its name alone", () => {
    expect(parseWiringName("sonarr-wire-root-folders")).toEqual({
      app: "sonarr",
      step: "root-folders",
    });
    expect(parseWiringName("karakeep-chrome-wire-libraries")).toEqual({
      app: "karakeep-chrome",
      step: "libraries",
    });
    expect(parseWiringName("gateway-render-group")).toBeUndefined();
    expect(parseWiringName("media-data-tree-mkdir")).toBeUndefined();
  });

  it("runs in the named container with its script on stdin, so the command line has no secret", () => {
    const line = wiringCommandLine(step).split("\n").pop();
    expect(line).toBe("exec $DOCKER exec -i 'sonarr' sh -s");
  });

  it("exports each secret once, quoted, before the script", () => {
    const input = wiringInput(step, { SONARR_KEY: "it's" });
    const lines = input.split("\n");
    const exportLine = lines.indexOf(`export SONARR_KEY='it'\\''s'`);
    expect(exportLine).toBeGreaterThan(0);
    expect(lines.indexOf(step.script)).toBeGreaterThan(exportLine);
    expect(input.match(/it'\\''s/g)).toHaveLength(1);
  });

  it("refuses a secret the script did not declare, or a declared one without a value", () => {
    expect(() => wiringInput(step, {})).toThrow(
      "sonarr-wire-root-folders: secrets declared [SONARR_KEY], given []",
    );
    expect(() => wiringInput(step, { SONARR_KEY: "k", OTHER: "v" })).toThrow(
      "secrets declared [SONARR_KEY], given [OTHER, SONARR_KEY]",
    );
  });

  it("refuses names that would not make a resource name or a variable", () => {
    expect(() => wiringInput({ ...step, step: "Root Folders" }, { SONARR_KEY: "k" })).toThrow(
      "names must be kebab-case",
    );
    expect(() => wiringInput({ ...step, secrets: ["key; rm"] }, { "key; rm": "k" })).toThrow(
      "bad variable key; rm",
    );
  });
});
