#!/usr/bin/env python3
"""Neuronpedia's own Python client against the atlas's REST facade.

Fetches a feature (SAEFeature.get), a feature's activations on a text (ActivationRequest), with --steer a
steered completion (SteerCompletionRequest) and with --lists a list made, filled and read back (NPList), prints them, and exits non-zero when an answer lacks what the client
reads. The client is not part of the project: point --client (or NEURONPEDIA_PYTHON_DIR) at a checkout of
Neuronpedia's Python client repository (hijohnnylin/neuronpedia-python), or at a bare clone of it, whose
`neuronpedia` package is then exported to a temporary folder with `git archive`. It needs `requests` and
`python-dotenv` (Debian: python3-requests, python3-dotenv).

  python3 scripts/neuronpedia-client-check.py --api http://127.0.0.1:4000 --client ../neuronpedia-python \
      --model builtin:tiny-brown --source "tiny-brown mlp 16x" --index 100 --text "I hear you" --steer
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def client_folder(path: str) -> str:
    """A folder holding the `neuronpedia` package: the checkout itself, or a bare clone's export."""
    if os.path.isdir(os.path.join(path, "neuronpedia")):
        return path
    if not os.path.isfile(os.path.join(path, "HEAD")):
        sys.exit(
            f"--client {path}: neither a checkout with a neuronpedia/ folder nor a bare git repository; "
            "pass a checkout of Neuronpedia's Python client"
        )
    out = tempfile.mkdtemp(prefix="neuronpedia-client-")
    archive = subprocess.run(
        ["git", f"--git-dir={path}", "archive", "HEAD", "neuronpedia/requests", "neuronpedia/np_sae_feature.py",
         "neuronpedia/np_vector.py", "neuronpedia/np_list.py", "neuronpedia/__init__.py"],
        check=True,
        capture_output=True,
    )
    subprocess.run(["tar", "-x", "-C", out], input=archive.stdout, check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", default="http://127.0.0.1:4000", help="the atlas api's base URL")
    parser.add_argument("--client", default=os.getenv("NEURONPEDIA_PYTHON_DIR"), help="Neuronpedia's Python client")
    parser.add_argument("--model", default="atlas", help="modelId: the dictionary's model name, or 'atlas'")
    parser.add_argument("--source", required=True, help="source id: the dictionary's name")
    parser.add_argument("--index", required=True, help="the feature's index")
    parser.add_argument("--text", default="The jury walked under the bridge", help="text for the activations")
    parser.add_argument("--steer", action="store_true", help="also steer a completion with the feature")
    parser.add_argument(
        "--lists", action="store_true", help="also make a list, add the feature, read it back (needs a valid key)"
    )
    args = parser.parse_args()
    if not args.client:
        sys.exit("--client (or NEURONPEDIA_PYTHON_DIR) is required: a checkout of Neuronpedia's Python client")

    # The client reads its key at every request; an open atlas ignores it, a closed one checks it.
    os.environ.setdefault("NEURONPEDIA_API_KEY", "unused-on-an-open-atlas")
    sys.path.insert(0, client_folder(args.client))
    from neuronpedia.np_sae_feature import SAEFeature
    from neuronpedia.np_vector import NPVector
    from neuronpedia.requests.activation_request import ActivationRequest
    from neuronpedia.requests.base_request import NPRequest
    from neuronpedia.requests.steer_request import SteerCompletionRequest

    NPRequest.BASE_URL = f"{args.api.rstrip('/')}/api"

    feature = SAEFeature.get(args.model, args.source, args.index)
    data = json.loads(feature.jsonData)
    assert (feature.modelId, feature.source, feature.index) == (args.model, args.source, str(args.index)), feature
    print(f"feature {feature.modelId}/{feature.source}/{feature.index}")
    for e in data["explanations"]:
        print(f"  explanation ({e['authorId']}): {e['description']}")
    for a in data["activations"][:3]:
        print(f"  top activation {a['maxValue']:.3f} at {a['maxValueTokenIndex']}: {''.join(a['tokens'])!r}")
    print(f"  frac_nonzero {data['frac_nonzero']}, top logits {data['pos_str'][:5]}")

    activation = ActivationRequest().compute_activation_for_text(args.model, args.source, args.index, args.text)
    assert len(activation["tokens"]) == len(activation["values"]) > 0, activation
    print("activations on the text:")
    print("  " + " ".join(f"{t!r}:{v:.2f}" for t, v in zip(activation["tokens"], activation["values"])))

    if args.steer:
        vector = NPVector(
            label=data["explanations"][0]["description"] if data["explanations"] else "",
            model_id=args.model,
            source=args.source,
            index=str(args.index),
            values=[],
            hook_name=data["hookName"],
            default_steer_strength=4,
            url="-",
        )
        steered = SteerCompletionRequest().steer(
            model_id=args.model, vectors=[vector], prompt=args.text, temperature=0, n_tokens=8, seed=1
        )
        assert isinstance(steered["STEERED"], str) and isinstance(steered["DEFAULT"], str), steered
        print(f"steer: DEFAULT {steered['DEFAULT']!r}")
        print(f"       STEERED {steered['STEERED']!r}")
    if args.lists:
        from neuronpedia.np_list import NPList, NPListItem

        made = NPList.new("client check", "made by Neuronpedia's client")
        made.add_items([NPListItem(model_id=args.model, source=args.source, index=str(args.index), description="why")])
        got = NPList.get(made.id)
        assert [(i.model_id, i.source, i.index) for i in got.items] == [(args.model, args.source, str(args.index))], got
        assert any(owned.id == made.id for owned in NPList.get_owned()), "the new list is not among the lists"
        print(f"list {got.id} {got.name!r}: {[(i.model_id, i.source, i.index) for i in got.items]}")
    print("the Neuronpedia client read every answer")


if __name__ == "__main__":
    main()
