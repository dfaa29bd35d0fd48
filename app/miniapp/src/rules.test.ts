import { describe, expect, it } from "vitest";

import { checkForm, parseChannel, type FormValues } from "./rules";

const now = new Date("2026-03-01T12:00:00Z");
const valid: FormValues = {
  title: "Spring giveaway",
  description: "",
  winnersCount: "3",
  reserveCount: "2",
  endsAt: new Date("2026-03-08T12:00:00Z"),
  maxParticipants: "",
  publishAt: null,
  requiredChannels: "@news_channel\n-1001234567890",
  targetChannels: "https://t.me/news_channel",
  claimHours: "",
  notifyParticipants: true,
  resultsMode: "reply",
  captchaMode: "suspicious",
  ticketMode: "both",
  referralCap: "5",
  boostCap: "2",
  excludeLeavers: true,
  newSubscribers: "unknown_refused",
  premiumOnly: false,
};

describe("checkForm", () => {
  it("turns a valid form into the API input", () => {
    const { problems, input } = checkForm(valid, now);
    expect(problems).toEqual({});
    expect(input).toEqual({
      title: "Spring giveaway",
      description: "",
      winnersCount: 3,
      reserveCount: 2,
      endsAt: "2026-03-08T12:00:00.000Z",
      maxParticipants: null,
      publishAt: null,
      requiredChannels: ["@news_channel", -1001234567890],
      targetChannels: ["@news_channel"],
      notifyParticipants: true,
      resultsMode: "reply",
      captchaMode: "suspicious",
      ticketMode: "both",
      referralCap: 5,
      boostCap: 2,
      claimHours: null,
      excludeLeavers: true,
      newSubscribers: "unknown_refused",
      premiumOnly: false,
    });
  });

  it.each<[string, Partial<FormValues>, string, string]>([
    ["empty title", { title: "  " }, "title", "rule.titleEmpty"],
    ["long title", { title: "x".repeat(121) }, "title", "rule.titleLong"],
    ["long description", { description: "x".repeat(3001) }, "description", "rule.descriptionLong"],
    ["no winners", { winnersCount: "0" }, "winnersCount", "rule.winnersRange"],
    ["too many winners", { winnersCount: "101" }, "winnersCount", "rule.winnersRange"],
    ["fractional winners", { winnersCount: "1.5" }, "winnersCount", "rule.whole"],
    ["too many reserves", { reserveCount: "101" }, "reserveCount", "rule.reservesRange"],
    ["no referral tickets", { referralCap: "0" }, "referralCap", "rule.ticketCapRange"],
    ["too many boost tickets", { boostCap: "101" }, "boostCap", "rule.ticketCapRange"],
    ["fractional cap", { boostCap: "1.5" }, "boostCap", "rule.whole"],
    ["no end condition", { endsAt: null }, "endsAt", "rule.endCondition"],
    ["deadline too soon", { endsAt: new Date("2026-03-01T12:00:30Z") }, "endsAt", "rule.deadlineShort"],
    ["deadline too late", { endsAt: new Date("2027-03-03T12:00:00Z") }, "endsAt", "rule.deadlineLong"],
    ["limit below winners", { maxParticipants: "2" }, "maxParticipants", "rule.limitRange"],
    ["publish in the past", { publishAt: new Date("2026-03-01T11:58:00Z") }, "publishAt", "rule.publishPast"],
    ["bad channel", { requiredChannels: "news channel" }, "requiredChannels", "rule.channelBad"],
    ["no claim hours", { claimHours: "0" }, "claimHours", "rule.claimRange"],
    ["too many claim hours", { claimHours: "721" }, "claimHours", "rule.claimRange"],
    ["fractional claim hours", { claimHours: "1.5" }, "claimHours", "rule.whole"],
  ])("rejects %s", (_name, change, field, key) => {
    const { problems, input } = checkForm({ ...valid, ...change }, now);
    expect(problems[field as keyof typeof problems]?.key).toBe(key);
    expect(input).toBeNull();
  });

  it("measures the deadline from the publish time when there is one", () => {
    const publishAt = new Date("2026-03-09T12:00:00Z");
    const { problems } = checkForm({ ...valid, publishAt }, now);
    expect(problems.endsAt?.key).toBe("rule.deadlineShort");
  });

  it("passes the claim deadline on in hours", () => {
    const { input } = checkForm({ ...valid, claimHours: " 48 " }, now);
    expect(input?.claimHours).toBe(48);
  });

  it("accepts a participant limit as the only end condition", () => {
    const { input } = checkForm({ ...valid, endsAt: null, maxParticipants: "500" }, now);
    expect(input?.maxParticipants).toBe(500);
    expect(input?.endsAt).toBeNull();
  });
});

describe("parseChannel", () => {
  it.each([
    ["@durov", "@durov"],
    ["durov", "@durov"],
    ["t.me/durov", "@durov"],
    ["-1001234567890", -1001234567890],
    ["@ab", null],
    ["https://example.com/durov", null],
  ])("%s → %s", (text, handle) => {
    expect(parseChannel(text)).toBe(handle);
  });
});
