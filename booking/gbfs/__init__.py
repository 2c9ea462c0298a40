"""GBFS 3.0 feed of the self-drive pool cars (https://github.com/MobilityData/gbfs/blob/v3.0/gbfs.md)."""
