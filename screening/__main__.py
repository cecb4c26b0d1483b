"""``python -m screening``: the same command line as the ``screening`` script."""

from .cli import main

if __name__ == "__main__":
    main()
