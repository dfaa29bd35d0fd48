/**
 * Where the initData comes from: Telegram, or — in a normal browser on loopback only —
 * the development login (`/api/dev/init-data`, which the server refuses unless it runs
 * `contest-bot dev` with DEV_LOGIN=true and the request comes from loopback).
 * `?user=<id>&name=<first name>&lang=ru|en` pick the dev user.
 */

import { api, setInitData } from "./api";
import { webApp } from "./telegram";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const DEV_USER_KEY = "contest-bot-dev-user";

export interface Identity {
  userId: number | null;
  languageCode: string | null;
}

function userFrom(initData: string): Identity {
  try {
    const user = JSON.parse(new URLSearchParams(initData).get("user") ?? "null") as {
      id?: number;
      language_code?: string;
    } | null;
    return { userId: user?.id ?? null, languageCode: user?.language_code ?? null };
  } catch {
    return { userId: null, languageCode: null };
  }
}

export function isLoopback(): boolean {
  return LOOPBACK.has(location.hostname);
}

/** Sets the API's initData and tells who the user is; null when there is no login. */
export async function login(): Promise<Identity | null> {
  const app = webApp();
  if (app?.initData) {
    setInitData(app.initData);
    const user = app.initDataUnsafe?.user;
    return { userId: user?.id ?? null, languageCode: user?.language_code ?? null };
  }
  if (!isLoopback()) {
    return null;
  }
  const query = new URLSearchParams(location.search);
  const remembered = sessionStorage.getItem(DEV_USER_KEY);
  const userId = Number(query.get("user") ?? remembered ?? "1");
  if (!Number.isSafeInteger(userId) || userId < 1) {
    return null;
  }
  sessionStorage.setItem(DEV_USER_KEY, String(userId));
  const { initData } = await api.devInitData(
    userId,
    query.get("name") ?? "Dev",
    query.get("lang") ?? (navigator.language.startsWith("ru") ? "ru" : "en"),
  );
  setInitData(initData);
  return userFrom(initData);
}
