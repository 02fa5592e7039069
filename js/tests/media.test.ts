import { afterEach, describe, expect, it } from "vitest";
import { CHUNK_BYTES, fileUrl, filesUrl, jupyterServer } from "../src/media";
import player from "../src/player";
import { FakeModel, mount } from "./fake_model";

/** The page config JupyterLab (serverRoot + rootUri) or Notebook 7 (rootUri only) writes into the page. */
function setConfig(config: Record<string, unknown> | string | null): void {
  document.getElementById("jupyter-config-data")?.remove();
  if (config === null) return;
  const script = document.createElement("script");
  script.id = "jupyter-config-data";
  script.type = "application/json";
  script.textContent = typeof config === "string" ? config : JSON.stringify(config);
  document.head.append(script);
}

afterEach(() => setConfig(null));

describe("filesUrl", () => {
  const server = { baseUrl: "/", root: "/home/ada/work" };

  it("maps a file under the server root to <baseUrl>files/<path under the root>", () => {
    expect(filesUrl("/home/ada/work/runway_outputs/x_0.png", server)).toBe("/files/runway_outputs/x_0.png");
    expect(filesUrl("/home/ada/work/sub/dir/runway_outputs/x_0.mp4", { ...server, baseUrl: "/user/ada/" }))
      .toBe("/user/ada/files/sub/dir/runway_outputs/x_0.mp4");
  });

  it("adds the slash a base URL lacks and ignores one a root has", () => {
    expect(filesUrl("/srv/a.png", { baseUrl: "/jh/user/x", root: "/srv/" })).toBe("/jh/user/x/files/a.png");
  });

  it("URL-encodes each segment, not the slashes between them", () => {
    expect(filesUrl("/home/ada/work/my clips/a#1?é%.mp4", server)).toBe("/files/my%20clips/a%231%3F%C3%A9%25.mp4");
  });

  it("serves from a root that is the filesystem's root", () => {
    expect(filesUrl("/tmp/nb/a.png", { baseUrl: "/", root: "/" })).toBe("/files/tmp/nb/a.png");
  });

  it("refuses files outside the root, and a root that is only a prefix of a folder's name", () => {
    expect(filesUrl("/home/ada/other/a.png", server)).toBeNull();
    expect(filesUrl("/home/ada/work2/a.png", server)).toBeNull();
    expect(filesUrl("/home/ada/work", server)).toBeNull();
    expect(filesUrl("/home/ada/work/../secret.png", server)).toBeNull();
  });

  it("takes Windows paths: backslashes become slashes, the drive compares without case", () => {
    expect(filesUrl("c:\\Users\\Ada\\nb\\out\\a.png", { baseUrl: "/", root: "C:/Users/Ada/nb" })).toBe("/files/out/a.png");
  });
});

describe("jupyterServer", () => {
  it("reads baseUrl and the root from JupyterLab's page config", () => {
    setConfig({ baseUrl: "/lab-base/", serverRoot: "/home/ada/work", rootUri: "file:///home/ada/work" });
    expect(jupyterServer()).toEqual({ baseUrl: "/lab-base/", root: "/home/ada/work" });
  });

  it("decodes Notebook 7's rootUri (it has no serverRoot)", () => {
    setConfig({ baseUrl: "/", rootUri: "file:///home/ada/my%20work" });
    expect(jupyterServer()).toEqual({ baseUrl: "/", root: "/home/ada/my work" });
    setConfig({ baseUrl: "/", rootUri: "file:///C:/Users/Ada/nb" });
    expect(jupyterServer()).toEqual({ baseUrl: "/", root: "C:/Users/Ada/nb" });
  });

  it("falls back to serverRoot when rootUri is missing", () => {
    setConfig({ baseUrl: "/", serverRoot: "/srv/nb" });
    expect(jupyterServer()).toEqual({ baseUrl: "/", root: "/srv/nb" });
  });

  it("is null outside Jupyter, or when the config is unreadable or says too little", () => {
    expect(jupyterServer()).toBeNull();
    setConfig("{not json");
    expect(jupyterServer()).toBeNull();
    setConfig({ baseUrl: "/" });
    expect(jupyterServer()).toBeNull();
    setConfig({ baseUrl: "/", serverRoot: "~/work" }); // a root it cannot place on the disk
    expect(jupyterServer()).toBeNull();
  });
});

describe("fileUrl", () => {
  const file = { src: "runway_outputs/x_0.png", path: "/home/ada/work/nb/runway_outputs/x_0.png" };

  it("uses the files route on a Jupyter page", () => {
    setConfig({ baseUrl: "/", serverRoot: "/home/ada/work", rootUri: "file:///home/ada/work" });
    expect(fileUrl(file)).toBe("/files/nb/runway_outputs/x_0.png");
  });

  it("keeps the relative src outside Jupyter (VS Code, Colab, nbconvert), without a path, or outside the root", () => {
    expect(fileUrl(file)).toBe(file.src);
    setConfig({ baseUrl: "/", rootUri: "file:///home/ada/work" });
    expect(fileUrl({ src: file.src })).toBe(file.src);
    expect(fileUrl({ ...file, path: "/elsewhere/x_0.png" })).toBe(file.src);
    expect(fileUrl({ src: "https://cdn.example/x.png", path: "/home/ada/work/x.png" })).toBe("https://cdn.example/x.png");
  });
});

describe("Player on a Jupyter page", () => {
  const root = "/home/ada/work";
  const video = { src: "runway_outputs/a_0.mp4", path: `${root}/nb/runway_outputs/a_0.mp4`, name: "a_0.mp4",
    kind: "video", poster: "runway_outputs/a_0.poster.jpg", poster_path: `${root}/nb/runway_outputs/a_0.poster.jpg` };
  const image = { src: "runway_outputs/b_0.png", path: `${root}/nb/runway_outputs/b_0.png`, name: "b_0.png", kind: "image" };

  it("loads media, poster and file link from the files route; the link's text stays the relative path", () => {
    setConfig({ baseUrl: "/", serverRoot: root, rootUri: `file://${root}` });
    const { el } = mount(player, new FakeModel({ items: [video, image] }));
    const v = el.querySelector("video")!;
    expect(v.getAttribute("src")).toBe("/files/nb/runway_outputs/a_0.mp4");
    expect(v.getAttribute("poster")).toBe("/files/nb/runway_outputs/a_0.poster.jpg");
    expect(v.dataset.source).toBe("file");
    expect(el.querySelector("img")!.getAttribute("src")).toBe("/files/nb/runway_outputs/b_0.png");
    const links = [...el.querySelectorAll("a.rnb-file")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["/files/nb/runway_outputs/a_0.mp4", "/files/nb/runway_outputs/b_0.png"]);
    expect(links.map((a) => a.textContent)).toEqual([video.src, image.src]);
  });

  it("still asks the kernel for the bytes, by the relative src, when the files route fails", () => {
    setConfig({ baseUrl: "/", rootUri: `file://${root}` });
    const model = new FakeModel({ items: [image] });
    const { el } = mount(player, model);
    const img = el.querySelector("img")!;
    img.dispatchEvent(new Event("error"));
    expect(img.dataset.source).toBe("kernel");
    expect(model.sent.map((m) => m.content)).toEqual([
      { type: "host", files: false },
      { type: "media", src: image.src, offset: 0, size: CHUNK_BYTES },
    ]);
  });
});
