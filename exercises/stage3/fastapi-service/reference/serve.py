"""Start the prediction service on 0.0.0.0:8000 (the image's CMD).

Runs ``service.create_app()`` under uvicorn, with the API key from the
``API_KEY`` environment variable (default: the service's development key).
"""

from __future__ import annotations

import os
from pathlib import Path

import uvicorn

from service import DEFAULT_API_KEY, create_app

HOST = os.environ.get("HOST", "0.0.0.0")
PORT = int(os.environ.get("PORT", "8000"))


def main() -> None:
    os.chdir(Path(__file__).resolve().parent)  # create_app reads data/model.json
    app = create_app(api_key=os.environ.get("API_KEY", DEFAULT_API_KEY))
    uvicorn.run(app, host=HOST, port=PORT)


if __name__ == "__main__":
    main()
